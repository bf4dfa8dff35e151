*** Settings ***
Documentation    Takes one input item, creates one output item (no reference: a second run would make another)
...              and ends without releasing its input.

Library          RPA.Robocorp.WorkItems    autoload=${False}


*** Tasks ***
Transform One Item
    [Documentation]    The input item stays reserved when the task ends.
    Get Input Work Item
    ${number}    Get Work Item Variable    number
    VAR    &{variables}    number=${number}
    Create Output Work Item    variables=${variables}    save=${True}
