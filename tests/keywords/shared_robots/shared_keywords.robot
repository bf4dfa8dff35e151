*** Settings ***
Documentation    Every shared keyword against the sandbox, driven in headless Chromium where the system has
...              web pages. The pytest wrapper sets the variables, the vault secrets and the faults.

Library          Collections
Library          rpa_core.keywords.browser.BrowserKeywords
Resource         common.resource
Resource         esdh.resource
Resource         indkomstregister.resource
Resource         ydelsessystem.resource

Suite Setup      Log In To All Systems


*** Variables ***
${BASE_URL}         http://127.0.0.1:8400
${PAYMENT_MONTH}    2024-11
${INCOME_MONTH}     2024-10
${PENDING_COUNT}    0
${PAYMENT_ID}       ${EMPTY}
${CPR}              ${EMPTY}
${STAMDATA}         ${EMPTY}
${REGISTRATION}     ${EMPTY}


*** Test Cases ***
Pending Payments Are Read From Every Page
    [Documentation]    53 pending payments are five pages of 13 rows.
    ${payments}    Find Pending Fleksløn Payments    ${PAYMENT_MONTH}
    Length Should Be    ${payments}    ${PENDING_COUNT}
    ${ids}    Evaluate    [p.payment_id for p in $payments]
    List Should Contain Value    ${ids}    ${PAYMENT_ID}

Income Is The Same Through The API And The Web Pages
    [Documentation]    Both implementations of the income register answer alike.
    ${by_api}    Get Income For Month    ${CPR}    ${INCOME_MONTH}
    Connect Indkomstregister    ${BASE_URL}/indkomst    mode=web
    ${by_web}    Get Income For Month    ${CPR}    ${INCOME_MONTH}
    Should Be Equal    ${by_api}    ${by_web}
    ${kinds}    Evaluate    [line.kind for line in $by_api]
    List Should Contain Value    ${kinds}    LOEN

Unknown Citizen Is A Business Error
    [Documentation]    Not found is for a caseworker, not a retry.
    Run Keyword And Expect Error    UNKNOWN_CPR:*    Get Income For Month    010101-0000    ${INCOME_MONTH}

Payment Is Registered And Approved Once
    [Documentation]    The second approval is refused as a business error.
    ${payment}    Register Income And Approve Payment    ${PAYMENT_ID}    &{REGISTRATION}
    Should Be Equal    ${payment.status}    APPROVED
    Run Keyword And Expect Error    ALREADY_APPROVED:*
    ...    Register Income And Approve Payment    ${PAYMENT_ID}    &{REGISTRATION}

Journal Note Is Written On The Fleksjob Case
    [Documentation]    The citizen's open FLEKSJOB case gets the note.
    ${case}    Find Fleksjob Case    ${CPR}
    Create Journal Note    ${case.case_number}    Fleksløntilskud november 2024    Beregnet af robot.
    ${notes}    Get Journal Notes    ${case.case_number}
    ${titles}    Evaluate    [note.title for note in $notes]
    List Should Contain Value    ${titles}    Fleksløntilskud november 2024

Master Data Row Is Found For The Citizen
    [Documentation]    The caseworkers' workbook is read with RPA.Excel.Files.
    ${rows}    Read Master Data Workbook    ${STAMDATA}
    ${row}    Get Master Data Row    ${rows}    ${CPR}
    Should Not Be Empty    ${row}[Sagsnummer]
    Run Keyword And Expect Error    MISSING_MASTER_DATA:*    Get Master Data Row    ${rows}    010101-0000

Credentials Come From The Vault
    [Documentation]    The secrets file and environment behind RPA.Robocorp.Vault.
    ${secret}    Get Credentials    ydelse
    Should Be Equal    ${secret}[username]    robot


*** Keywords ***
Log In To All Systems
    [Documentation]    One connection per system for the whole suite.
    Log In To Ydelsessystem    ${BASE_URL}/ydelse
    Log In To Indkomstregister    ${BASE_URL}/indkomst
    Log In To ESDH    ${BASE_URL}/esdh
