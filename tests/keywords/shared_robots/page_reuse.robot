*** Settings ***
Documentation    Payments worked through the shared keywords, one work item each: a write acts on the page the
...              item's own read left, and a new work item opens its pages again. The pytest wrapper writes the
...              work items (``payment_id``, ``steps``: ``read`` and/or ``pay``, ``registration``) and counts
...              the page loads in the sandbox.

Library          RPA.Robocorp.WorkItems
Library          rpa_core.keywords.browser.BrowserKeywords
Resource         ydelsessystem.resource

Suite Setup      Log In To Ydelsessystem    ${BASE_URL}/ydelse


*** Variables ***
${BASE_URL}    http://127.0.0.1:8400


*** Tasks ***
Work Every Item
    [Documentation]    Each item reads its payment, pays it, or both.
    For Each Input Work Item    Work On One Item


*** Keywords ***
Work On One Item
    [Documentation]    ``read``: Get Payment; ``pay``: register and approve.
    ${payment_id}    Get Work Item Variable    payment_id
    ${steps}    Get Work Item Variable    steps
    IF    'read' in $steps
        ${payment}    Get Payment    ${payment_id}
        Should Be Equal    ${payment.status}    PENDING
    END
    IF    'pay' in $steps
        ${registration}    Get Work Item Variable    registration
        Register Income And Subsidy    ${payment_id}    &{registration}
        ${approved}    Approve Payment    ${payment_id}
        Should Be Equal    ${approved.status}    APPROVED
    END
