*** Settings ***
Documentation    Ends each item according to its ``kind``; a failing item does not end the process.

Library          RPA.Robocorp.WorkItems
Library          rpa_core.keywords.items.ItemKeywords
Library          mixed.py


*** Tasks ***
Handle Items
    [Documentation]    Takes items until the queue is empty.
    For Each Input Work Item    Handle One


*** Keywords ***
Handle One
    [Documentation]    One item, by its kind.
    ${kind}    Get Work Item Variable    kind
    IF    $kind == 'closed'
        Refuse The Note
    ELSE IF    $kind == 'no_wage'
        Fail    NO_WAGE: no wage in the income month
    ELSE IF    $kind == 'flaky'
        Fail Once
    END
    Set Work Item Result    outcome=CALCULATED    kind=${kind}    pid=${{ __import__('os').getpid() }}

Fail Once
    [Documentation]    Fails the first attempt only.
    ${tries}    Get Work Item Variable    tries    default=${0}
    IF    ${tries} == 0
        Set Work Item Variable    tries    ${1}
        Save Work Item
        Fail    The benefits system did not answer
    END
