*** Settings ***
Documentation    The step cannot start (master data missing, a system down at login): its Suite Setup fails.
...              With autoload off no item is claimed before the setup, so no item is charged an attempt.

Library          RPA.Robocorp.WorkItems    autoload=${False}

Suite Setup      Fail    Cannot read the master data: add a [stamdata] sheet to stamdata.xlsx


*** Tasks ***
Process Items
    [Documentation]    Never reached.
    For Each Input Work Item    No Operation
