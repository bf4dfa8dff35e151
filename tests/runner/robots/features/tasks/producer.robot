*** Settings ***
Documentation    Creates an output item with variables and a file.

Library          OperatingSystem
Library          RPA.Robocorp.WorkItems


*** Tasks ***
Create Item With File
    [Documentation]    Variables set one by one, a file attached, then saved.
    Create File    ${OUTPUT_DIR}${/}payslip.txt    wage=21000.00
    Create Output Work Item
    Set Work Item Variables    reference=features:1    month=2026-10
    Add Work Item File    ${OUTPUT_DIR}${/}payslip.txt
    Save Work Item
