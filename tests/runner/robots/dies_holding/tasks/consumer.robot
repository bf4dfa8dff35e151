*** Settings ***
Documentation    The first attempt marks the item and ends the process hard (exit code 3) while holding it;
...              the second releases it DONE.

Library          RPA.Robocorp.WorkItems    autoload=${False}


*** Tasks ***
Take One Item
    [Documentation]    Dies the first time, finishes the second.
    Get Input Work Item
    ${tries}    Get Work Item Variable    tries    default=${0}
    IF    ${tries} == 0
        Set Work Item Variable    tries    ${1}
        Save Work Item
        Evaluate    os._exit(3)    modules=os
    END
    Release Input Work Item    DONE
