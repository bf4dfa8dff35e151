*** Settings ***
Documentation    Creates one work item per greeting. Written with rpaframework's WorkItems keywords only,
...              so it runs unmodified on Robocorp or on this runner.

Library          RPA.Robocorp.WorkItems


*** Variables ***
${ITEM_COUNT}    ${20}


*** Tasks ***
Create Greeting Items
    [Documentation]    One output work item per number; the reference makes a second run create nothing new.
    FOR    ${number}    IN RANGE    1    ${ITEM_COUNT + 1}
        VAR    &{variables}    reference=hello:${number}    number=${number}
        Create Output Work Item    variables=${variables}    save=${True}
    END
