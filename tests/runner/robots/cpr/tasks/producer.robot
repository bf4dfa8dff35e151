*** Settings ***
Documentation    Creates items that carry CPR numbers, in the shapes a robot meets them.

Library          RPA.Robocorp.WorkItems


*** Tasks ***
Create Items With CPR Numbers
    [Documentation]    One item per citizen; the CPR is in the payload and the reference.
    FOR    ${cpr}    IN    0101901234    150285-4321    2412771118
        VAR    &{variables}    reference=flexloen:${cpr}:2026-11    cpr=${cpr}
        Log    Creating item for ${cpr}
        Create Output Work Item    variables=${variables}    save=${True}
    END
