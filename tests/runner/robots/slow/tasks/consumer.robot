*** Settings ***
Documentation    Appends each item's reference to a file when it is done; sleeps first when told to.

Library          OperatingSystem
Library          RPA.Robocorp.WorkItems


*** Variables ***
${SLEEP}        0
${DONE_FILE}    ${EMPTY}


*** Tasks ***
Process Items
    [Documentation]    The side effect happens once per completed item.
    For Each Input Work Item    Process One Item


*** Keywords ***
Process One Item
    [Documentation]    Sleeps (to be killed), then records the item as done.
    ${reference}    Get Work Item Variable    reference
    Sleep    ${SLEEP}
    Append To File    ${DONE_FILE}    ${reference}\n
