*** Settings ***
Documentation    Reads the item's variables and file, records progress in its payload.

Library          OperatingSystem
Library          RPA.Robocorp.Vault
Library          RPA.Robocorp.WorkItems


*** Tasks ***
Read Item
    [Documentation]    The file and variables arrive; a progress step is saved on the item.
    For Each Input Work Item    Read One Item


*** Keywords ***
Read One Item
    [Documentation]    Checks what the producer sent and stores a result.
    ${month}    Get Work Item Variable    month
    Should Be Equal    ${month}    2026-10
    Check Payslip File
    ${secret}    Get Secret    demo
    Should Be Equal    ${secret}[username]    robot-user
    Set Work Item Variable    registered    ${True}
    Save Work Item

Check Payslip File
    [Documentation]    The file attached by the producer arrives with its content.
    ${files}    List Work Item Files
    Should Be Equal    ${files}[0]    payslip.txt
    ${path}    Get Work Item File    payslip.txt    ${OUTPUT_DIR}${/}received.txt
    ${content}    Get File    ${path}
    Should Be Equal    ${content}    wage=21000.00
