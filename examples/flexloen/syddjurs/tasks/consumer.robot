*** Settings ***
Documentation    Handles one pending fleksløn payment per work item: decides it by the rules, then either
...              registers, approves and journalises it, or hands it to a caseworker with the reason.
...
...              Each external write is recorded on the work item before and after it happens, so a retry
...              after a crash finishes the item without writing anything twice. What the robot did is the
...              item's result (``Set Work Item Result``); a caseworker's case is a business exception that
...              the framework releases, and the next item is taken in the same process.

Library          Collections
Library          RPA.Robocorp.WorkItems    autoload=${False}
Library          rpa_core.keywords.items.ItemKeywords
Library          rpa_core.keywords.browser.BrowserKeywords
Library          flexloen.keywords.FlexloenKeywords    change_threshold=${change_threshold}    rates=${rates}
Library          flexloen.process_keywords.FlexloenProcessKeywords    columns=${master_data_columns}
Resource         common.resource
Resource         esdh.resource
Resource         indkomstregister.resource
Resource         ydelsessystem.resource

Suite Setup      Connect To Systems


*** Tasks ***
Handle Fleksløn Payments
    [Documentation]    Takes payments from the queue until it is empty.
    For Each Input Work Item    Handle One Payment


*** Keywords ***
Connect To Systems
    [Documentation]    One connection per system and the caseworkers' master data, for the whole step.
    Log In To Ydelsessystem    ${ydelse_url}
    Log In To Indkomstregister    ${indkomst_url}    mode=${indkomst_mode}
    Log In To ESDH    ${esdh_url}    mode=${esdh_mode}
    ${rows}    Read Master Data Workbook    ${master_data_workbook}
    Use Master Data    ${rows}

Handle One Payment
    [Documentation]    Reads the payment, the income month's lines, the master data and the citizen's case in
    ...    the ESDH, decides, acts. A system's business error (the income register does not know the citizen:
    ...    ``UNKNOWN_CPR``) is the caseworker's too: the framework releases the item as a business exception.
    ${payment_id}    Get Work Item Variable    payment_id
    ${progress}    Get Work Item Variable    progress    default=${{ {} }}
    ${payment}    Get Payment    ${payment_id}
    ${lines}    Get Income For Month    ${payment.cpr}    ${payment.income_month}
    ${case}    Read Fleksløn Case    ${payment}    ${lines}    ${progress}
    ${decision}    Decide Fleksløn Case    ${case}
    IF    '${decision.outcome}' == 'ALREADY_HANDLED'
        Set Work Item Result    outcome=ALREADY_HANDLED
    ELSE IF    '${decision.outcome}' == 'MANUAL'
        Hand To Caseworker    ${decision}
    ELSE
        Pay And Journalise    ${payment}    ${lines}    ${case}    ${decision}    ${progress}
    END

Read Fleksløn Case
    [Documentation]    The rules' case: the payment, its income lines, the master data, and the citizen's cases
    ...    in the ESDH, so the rules see that the master data's case takes the journal note before anything is
    ...    paid (not looked up without a case number, or for a payment someone else registered or approved).
    [Arguments]    ${payment}    ${lines}    ${progress}
    ${row}    Find Master Data Row    ${payment.cpr}
    ${case_number}    Master Data Case Number    ${row}
    ${ours}    Evaluate    $payment.status == 'PENDING' or $progress.get('registering', False)
    VAR    ${cases}    ${None}
    IF    $case_number and $ours
        ${cases}    Find Cases    ${payment.cpr}
    END
    ${case}    Build Fleksløn Case    ${payment}    ${lines}    ${row}
    ...    registered_by_robot=${progress.get('registering', False)}    cases=${cases}
    RETURN    ${case}

Hand To Caseworker
    [Documentation]    A business exception with the reason's code and Danish text (``CODE: text``): the
    ...    framework releases the item BUSINESS_EXCEPTION with that code, never retried.
    [Arguments]    ${decision}
    Set Work Item Result    outcome=MANUAL    reasons=${{ list($decision.codes) }}
    Fail If Manual Handling    ${decision}

Pay And Journalise
    [Documentation]    Register, approve, journal note: each step once, even across retries (``progress`` is
    ...    written ahead on the item); the result says what was done.
    [Arguments]    ${payment}    ${lines}    ${case}    ${decision}    ${progress}
    ${registration}    Registration For Payment    ${lines}    ${decision.calculation.subsidy}
    IF    not ${progress.get('registered', False)}
        Record Progress    ${progress}    registering
        IF    '${payment.status}' == 'PENDING'
            Register Income And Subsidy    ${payment.payment_id}    &{registration}
        END
        Record Progress    ${progress}    registered
    END
    IF    not ${progress.get('approved', False)}
        IF    '${payment.status}' != 'APPROVED'
            Approve Payment    ${payment.payment_id}
        END
        Record Progress    ${progress}    approved
    END
    IF    not ${progress.get('noted', False)}
        Write Journal Note Once    ${case}[master_data][case_id]    ${decision}
        Record Progress    ${progress}    noted
    END
    Set Work Item Result    outcome=CALCULATED    subsidy=${{ str($decision.calculation.subsidy) }}
    ...    atp=${{ str($decision.calculation.atp) }}

Write Journal Note Once
    [Documentation]    The calculation as a journal note on the case, unless a note with its title is there.
    ...    When the ESDH refuses it (the case was closed after the robot checked it), the payment is made:
    ...    the caseworker gets ``CASE_CLOSED`` with the text that only the note is missing.
    [Arguments]    ${case_number}    ${decision}
    ${title}    Journal Note Title    ${decision}
    ${notes}    Get Journal Notes    ${case_number}
    ${titles}    Evaluate    [note.title for note in $notes]
    IF    $title not in $titles
        TRY
            Create Journal Note    ${case_number}    ${title}    ${decision.journal_note}
        EXCEPT    CASE_CLOSED:*    type=GLOB
            Set Work Item Result    outcome=MANUAL    reasons=${{ ['CASE_CLOSED'] }}
            ...    subsidy=${{ str($decision.calculation.subsidy) }}    atp=${{ str($decision.calculation.atp) }}
            Fail For Refused Journal Note    ${decision}
        END
    END

Journal Note Title
    [Documentation]    The journal note's title, by which a retry finds the note it wrote. A municipality whose
    ...    case system names notes otherwise overrides this keyword in the fork's local/keywords.resource.
    [Arguments]    ${decision}
    RETURN    Fleksløntilskud ${decision.payment_month.danish()}

Record Progress
    [Documentation]    Saves on the work item that ``step`` has started or is done.
    [Arguments]    ${progress}    ${step}
    Set To Dictionary    ${progress}    ${step}=${True}
    Set Work Item Variable    progress    ${progress}
    Save Work Item
