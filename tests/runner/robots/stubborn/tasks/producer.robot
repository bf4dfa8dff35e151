*** Settings ***
Documentation    Two items for the stubborn consumer.

Library          RPA.Robocorp.WorkItems


*** Tasks ***
Create Items
    [Documentation]    One item per number, each with its reference.
    FOR    ${number}    IN RANGE    1    3
        VAR    &{variables}    reference=stubborn:${number}    number=${number}
        Create Output Work Item    variables=${variables}    save=${True}
    END
