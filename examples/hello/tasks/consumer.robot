*** Settings ***
Documentation    Greets each work item. Items 7 and 13 are business exceptions; item 5 fails on its first
...              attempt (an application error the queue retries) and succeeds on the second.

Library          RPA.Robocorp.WorkItems


*** Tasks ***
Greet Every Item
    [Documentation]    Takes items until the queue is empty.
    For Each Input Work Item    Greet One Item


*** Keywords ***
Greet One Item
    [Documentation]    Greets one item, or releases it as a business exception.
    ${number}    Get Work Item Variable    number
    IF    ${number} in (7, 13)
        Release Input Work Item    FAILED    exception_type=BUSINESS    code=NOT_GREETABLE
        ...    message=Item ${number} cannot be greeted: a caseworker must look at it
        RETURN
    END
    IF    ${number} == 5    Fail Once
    Log    ${greeting}, item ${number}!

Fail Once
    [Documentation]    Fails the first attempt only, remembering it in the item's payload.
    ${tries}    Get Work Item Variable    tries    default=${0}
    IF    ${tries} == 0
        Set Work Item Variable    tries    ${1}
        Save Work Item
        Fail    Temporary failure on the first attempt (a system was busy)
    END
