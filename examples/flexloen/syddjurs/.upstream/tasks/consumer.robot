*** Settings ***
Documentation    Handles one pending fleksløn payment per work item: decides it by the rules, then either
...              registers, approves and journalises it, or hands it to a caseworker with the reason.
...
...              Each external write is recorded on the work item before and after it happens, so a retry
...              after a crash finishes the item without writing anything twice.

Library          Collections
Library          RPA.Robocorp.WorkItems    autoload=${False}
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
    [Documentation]    Reads the payment, the income month's lines and the master data, decides, acts.
    ${payment_id}    Get Work Item Variable    payment_id
    ${progress}    Get Work Item Variable    progress    default=${{ {} }}
    ${payment}    Get Payment    ${payment_id}
    ${lines}    Get Income For Month    ${payment.cpr}    ${payment.income_month}
    ${row}    Find Master Data Row    ${payment.cpr}
    ${case}    Build Fleksløn Case    ${payment}    ${lines}    ${row}
    ...    registered_by_robot=${progress.get('registering', False)}
    ${decision}    Decide Fleksløn Case    ${case}
    IF    '${decision.outcome}' == 'ALREADY_HANDLED'
        Finish Item    ALREADY_HANDLED
    ELSE IF    '${decision.outcome}' == 'MANUAL'
        Hand To Caseworker    ${decision}
    ELSE
        Pay And Journalise    ${payment}    ${lines}    ${case}    ${decision}    ${progress}
    END

Hand To Caseworker
    [Documentation]    A business exception with the reason's code and Danish text: never retried.
    [Arguments]    ${decision}
    Set Work Item Variables    outcome=MANUAL    reasons=${decision.codes}
    Save Work Item
    Release Input Work Item    FAILED    exception_type=BUSINESS    code=${decision.code}
    ...    message=${decision.message}

Pay And Journalise
    [Documentation]    Register, approve, journal note: each step once, even across retries.
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
    Set Work Item Variables    subsidy=${{ str($decision.calculation.subsidy) }}
    ...    atp=${{ str($decision.calculation.atp) }}
    Finish Item    CALCULATED

Write Journal Note Once
    [Documentation]    The calculation as a journal note on the case, unless a note with its title is there.
    [Arguments]    ${case_number}    ${decision}
    ${title}    Journal Note Title    ${decision}
    ${notes}    Get Journal Notes    ${case_number}
    ${titles}    Evaluate    [note.title for note in $notes]
    IF    $title not in $titles
        Create Journal Note    ${case_number}    ${title}    ${decision.journal_note}
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

Finish Item
    [Documentation]    Records the outcome; the item is released as done when this keyword returns.
    [Arguments]    ${outcome}
    Set Work Item Variable    outcome    ${outcome}
    Save Work Item
