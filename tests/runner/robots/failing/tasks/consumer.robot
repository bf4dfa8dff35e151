*** Settings ***
Documentation    Every item fails technically, as when a system is down.

Library          RPA.Robocorp.WorkItems


*** Tasks ***
Process Items
    [Documentation]    Fails on every item.
    For Each Input Work Item    Fail    The benefits system does not answer
