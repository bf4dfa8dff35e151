*** Settings ***
Documentation    Uses the CPR numbers everywhere a robot might: logs, arguments, variables, failures.

Library          RPA.Robocorp.WorkItems


*** Tasks ***
Handle Citizens
    [Documentation]    One business exception and one application error carry the CPR in their messages.
    For Each Input Work Item    Handle Citizen


*** Keywords ***
Handle Citizen
    [Documentation]    Logs the CPR in many ways, then passes or fails.
    ${cpr}    Get Work Item Variable    cpr
    Log    Looking up citizen ${cpr}
    Log To Console    Console sees ${cpr}
    VAR    ${current}    ${cpr}
    Log Many    ${current}    ${cpr}
    Should Not Be Empty    ${cpr}
    IF    '${cpr}' == '150285-4321'
        Release Input Work Item    FAILED    exception_type=BUSINESS    code=NO_WAGE
        ...    message=Citizen ${cpr} had no wage
        RETURN
    END
    IF    '${cpr}' == '2412771118'
        Fail    Income register timed out for ${cpr}
    END
