*** Settings ***
Documentation    The session keywords: overrides, a capture on request, traces, closing twice.

Library          rpa_core.keywords.browser.BrowserKeywords


*** Variables ***
${SANDBOX}    http://127.0.0.1:8400


*** Tasks ***
Open With Overrides And Capture On Request
    [Documentation]    A one-second timeout; an expected timeout leaves no files; a capture on request does.
    Open Browser Session    headless=True    trace=True    timeout=1s    navigation_timeout=5s
    ${ydelse}    Open Login Page    ydelse
    Open Login Page    esdh
    Run Keyword And Expect Error    *Timeout 1000ms exceeded*
    ...    Call Method    ${ydelse}    click    \#no-such-button
    ${files}    Capture Failure Artifacts    Evidence for 010203-1234
    Length Should Be    ${files}    4

Close Twice And Capture Nothing
    [Documentation]    Closing is safe to repeat; with no browser open there is nothing to capture.
    Close Browser Session
    Close Browser Session
    ${nothing}    Capture Failure Artifacts    After closing
    Should Be Empty    ${nothing}


*** Keywords ***
Open Login Page
    [Documentation]    Open the login page of one system on its own page and return the page.
    [Arguments]    ${system}
    ${page}    Get Page For System    ${system}
    Call Method    ${page}    goto    ${SANDBOX}/${system}/login
    RETURN    ${page}
