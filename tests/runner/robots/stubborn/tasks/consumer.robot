*** Settings ***
Documentation    Ignores SIGTERM, then sleeps: Robot Framework never hears the runner's stop.

Library          RPA.Robocorp.WorkItems


*** Tasks ***
Hold On To Items
    [Documentation]    Takes items and never finishes one.
    For Each Input Work Item    Ignore SIGTERM And Sleep


*** Keywords ***
Ignore SIGTERM And Sleep
    [Documentation]    SIG_IGN for SIGTERM in this process, then a long sleep.
    Evaluate    signal.signal(signal.SIGTERM, signal.SIG_IGN)    modules=signal
    Sleep    60s
