*** Settings ***
Documentation    Lists the month's pending fleksløn payments and creates one work item per payment.
...              The reference ``flexloen:<cpr>:<month>`` makes a second run create nothing new.

Library          RPA.Robocorp.WorkItems
Library          flexloen.process_keywords.FlexloenProcessKeywords
Resource         ydelsessystem.resource


*** Tasks ***
Create Work Items For Pending Payments
    [Documentation]    One work item per payment not yet approved, for the profile's unit and grant type.
    Log In To Ydelsessystem    ${ydelse_url}
    ${month}    Resolve Payment Month    ${payment_month}
    ${payments}    Find Pending Fleksløn Payments    ${month}    unit=${unit}    grant_type=${grant_type}
    FOR    ${payment}    IN    @{payments}
        VAR    &{variables}    reference=flexloen:${payment.cpr}:${month}    payment_id=${payment.payment_id}
        ...    cpr=${payment.cpr}    payment_month=${month}
        Create Output Work Item    variables=${variables}    save=${True}
    END
    ${count}    Get Length    ${payments}
    Log    ${count} pending payments for ${month}
