*** Settings ***
Documentation    The fleksløn keyword library, called through Robot Framework itself.
...              Amounts are worked by hand in the comments (2024: MAX 19.952, T 16.323).

Library          flexloen.keywords.FlexloenKeywords    change_threshold=0.25


*** Variables ***
${EMPLOYER}        12345678
${MUNICIPALITY}    29189900


*** Test Cases ***
Calculate Below The Threshold In 2024
    [Documentation]    L = 12.000 + 480 + 960 = 13.440; R = 0,30 * 13.440 = 4.032;
    ...    S = 19.952 - 4.032 = 15.920,00; ATP = 5 % = 796, capped at 500,00.
    ${calc}    Calculate Fleksløntilskud    2024-03    12000.00    30000.00
    ...    employee_pension=480.00    employer_pension=960.00
    Should Be Equal As Strings    ${calc.subsidy}    15920.00
    Should Be Equal As Strings    ${calc.atp}    500.00
    Should Be Equal As Strings    ${calc.payment_month}    2024-04
    ${note}    Render Journal Note    ${calc}
    Should Contain    ${note}    - Fleksløntilskud for april 2024: 15.920,00 kr.
    Should Contain    ${note}    - Bundgrænse T: 16.323,00 kr.

Decide A Clean Case
    [Documentation]    The 0083 line (the subsidy itself) is not wage: L = 13.440 and S = 15.920,00.
    ${case}    Clean Case
    ${decision}    Decide Fleksløn Case    ${case}
    Should Be Equal As Strings    ${decision.outcome}    CALCULATED
    Should Be Equal As Strings    ${decision.calculation.subsidy}    15920.00
    ${note}    Render Journal Note    ${decision}
    Should Contain    ${note}    Indkomstgrundlag L = løn + egen pension + arbejdsgivers pension: 13.440,00 kr.
    Fail If Manual Handling    ${decision}

Decide A Case Without Wage
    [Documentation]    No income lines at all: NO_WAGE, raised as a business exception on request.
    VAR    @{no_lines}    @{EMPTY}
    ${case}    Clean Case    income_lines=${no_lines}
    ${decision}    Decide Fleksløn Case    ${case}
    Should Be Equal As Strings    ${decision.outcome}    MANUAL
    Should Be Equal As Strings    ${decision.code}    NO_WAGE
    TRY
        Fail If Manual Handling    ${decision}
    EXCEPT    NO_WAGE:*    type=GLOB    AS    ${message}
        Should Start With    ${message}    NO_WAGE: Der er ingen løn i indkomstmåneden.
    END

Decide A Large Change
    [Documentation]    15.920,00 against 10.000,00 last month: a change of 5.920,00 > 25 % of 10.000.
    ${case}    Clean Case    previous_subsidy=10000.00
    ${decision}    Decide Fleksløn Case    ${case}
    Should Be Equal As Strings    ${decision.code}    LARGE_CHANGE
    Should Be Equal As Strings    ${decision.calculation.subsidy}    15920.00

Hand Over A Paid Case Whose Note Was Refused
    [Documentation]    Paid, but the ESDH closed the case before the note: CASE_CLOSED, saying only the note is missing.
    ${case}    Clean Case
    ${decision}    Decide Fleksløn Case    ${case}
    TRY
        Fail For Refused Journal Note    ${decision}
    EXCEPT    CASE_CLOSED:*    type=GLOB    AS    ${message}
        Should Start With    ${message}    CASE_CLOSED: Sagen i ESDH er afsluttet
        Should Contain    ${message}    registreret og godkendt (15.920,00 kr.)
        Should Contain    ${message}    udbetal ikke igen
    END

Leave An Approved Payment Alone
    [Documentation]    An approved payment is done: no calculation, nothing to write.
    ${case}    Clean Case    payment_status=approved
    ${decision}    Decide Fleksløn Case    ${case}
    Should Be Equal As Strings    ${decision.outcome}    ALREADY_HANDLED
    Run Keyword And Expect Error    *has no calculation*    Render Journal Note    ${decision}

Use Profile Rates For A Year Without Confirmed Rates
    [Documentation]    2026 has no confirmed rate until the profile supplies one (made-up test rates):
    ...    L = 10.000; R = 3.000; S = 20.000 - 3.000 = 17.000,00.
    Run Keyword And Expect Error    NO_RATE_TABLE:*
    ...    Calculate Fleksløntilskud    2026-02    10000.00    35000.00
    VAR    &{row}    max=20000.00    threshold=16000.00    source=test profile
    VAR    &{rates}    2026=${row}
    Use Profile Rates    ${rates}
    ${calc}    Calculate Fleksløntilskud    2026-02    10000.00    35000.00
    Should Be Equal As Strings    ${calc.subsidy}    17000.00

Look Up A Danish Text
    [Documentation]    Every code has a Danish text for the caseworker.
    ${text}    Manual Handling Text    SICKNESS_BENEFIT
    Should Start With    ${text}    Borgeren har fået sygedagpenge


*** Keywords ***
Clean Case
    [Documentation]    Payment April 2024 on the March 2024 income of one employer, unless the arguments
    ...    change it.
    [Arguments]    ${previous_subsidy}=15920.00    ${payment_status}=open    ${income_lines}=${NONE}
    VAR    &{wage}    field_code=0057    amount=12000.00    employer_cvr=${EMPLOYER}
    VAR    &{own}    field_code=0197    amount=480.00    employer_cvr=${EMPLOYER}
    VAR    &{employer}    field_code=0198    amount=960.00    employer_cvr=${EMPLOYER}
    VAR    &{subsidy}    field_code=0057    amount=15920.00    employer_cvr=${MUNICIPALITY}    income_type=0083
    VAR    @{lines}    ${wage}    ${own}    ${employer}    ${subsidy}
    IF    $income_lines is not None    VAR    @{lines}    @{income_lines}
    VAR    &{master}    loenloft=30000.00    pension_rate=0.12    case_id=27.12.04-P20-1-24
    VAR    &{case}    payment_month=2024-04    income_lines=${lines}    master_data=${master}
    ...    previous_subsidy=${previous_subsidy}    payment_status=${payment_status}
    RETURN    ${case}
