*** Settings ***
Documentation    The browser keyword library against the sandbox: failures leave a screenshot and the
...              page's HTML, once per failure; handled failures leave nothing.

Library          rpa_core.keywords.browser.BrowserKeywords

Suite Setup      Open Browser Session    timeout=2s


*** Variables ***
${SANDBOX}       http://127.0.0.1:8400
${PAYMENT_ID}    B0000001


*** Tasks ***
Handle Payment Of 311065-4264
    [Documentation]    Fails three keywords deep: captured once, at the innermost keyword.
    Open Payment    ${PAYMENT_ID}
    Approve The Payment

Handled Failures Are Not Captured
    [Documentation]    Expected and caught failures are part of the flow, not evidence.
    Open Payment    ${PAYMENT_ID}
    Run Keyword And Ignore Error    Press Missing Button
    TRY
        Press Missing Button
    EXCEPT    *Timeout*    type=GLOB
        Log    The button is not there, as expected.
    END

Retried Keyword Is Captured When It Gives Up
    [Documentation]    Each failed attempt is expected; the final failure is captured once.
    Open Payment    ${PAYMENT_ID}
    Wait Until Keyword Succeeds    2x    10ms    Press Missing Button


*** Keywords ***
Open Payment
    [Documentation]    Log into the Ydelsessystem and open one payment page (it shows a CPR number).
    [Arguments]    ${payment_id}
    ${page}    Get Page For System    ydelse
    Call Method    ${page}    goto    ${SANDBOX}/ydelse/login?next\=/ydelse/betalinger/${payment_id}
    Call Method    ${page}    fill    \#username    robot
    Call Method    ${page}    fill    \#password    ydelse-demo
    Call Method    ${page}    click    \#login-button
    Call Method    ${page}    wait_for_selector    \#citizen-cpr

Approve The Payment
    [Documentation]    A step that fails inside another user keyword.
    Press Missing Button

Press Missing Button
    [Documentation]    Click a button the page does not have: a Playwright timeout.
    ${page}    Get Page For System    ydelse
    Call Method    ${page}    click    \#no-such-button    timeout=${300}
