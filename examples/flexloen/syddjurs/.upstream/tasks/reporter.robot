*** Settings ***
Documentation    Writes the caseworkers' report (Behandlet, Manuel behandling, Fejl, Stikprøve) and mails the
...              team the counts and where the report lies. The report carries CPR numbers, the mail never.

Library          rpa_core.keywords.run.RunKeywords    smtp_host=${smtp_host}    smtp_port=${smtp_port}
...                  sender=${mail_sender}    smtp_security=${smtp_security}    smtp_credential=${smtp_credential}
...                  smtp_ca_file=${smtp_ca_file}    smtp_timeout=${smtp_timeout}
Library          flexloen.process_keywords.FlexloenProcessKeywords


*** Tasks ***
Write The Caseworkers' Report
    [Documentation]    One workbook per run in the profile's report folder.
    ${items}    Get Run Work Items    flexloen
    ${month}    Resolve Payment Month    ${payment_month}
    ${sheets}    Build Report Sheets    ${items}    ${spot_check_share}    ${spot_check_seed}
    FOR    ${sheet}    IN    @{sheets}
        Add Report Sheet    ${sheet}[name]    ${sheet}[columns]    ${sheet}[rows]
    END
    ${path}    Save Report Workbook    ${report_folder}${/}fleksloen-${month}-%{RPA_RUN_ID=local}.xlsx
    ${path}    Evaluate    str(pathlib.Path($path).resolve())    modules=pathlib
    Log    Report: ${path}
    IF    $mailbox    Mail The Team    ${sheets}    ${month}    ${path}


*** Keywords ***
Mail The Team
    [Documentation]    The counts and the report's path; no CPR numbers.
    [Arguments]    ${sheets}    ${month}    ${path}
    ${counts}    Evaluate    {sheet['name']: len(sheet['rows']) for sheet in $sheets}
    VAR    ${body}
    ...    Fleksløntilskud for ${month}:\n
    ...    - behandlet: ${counts}[Behandlet]\n
    ...    - til manuel behandling: ${counts}[Manuel behandling]\n
    ...    - fejl: ${counts}[Fejl]\n
    ...    - stikprøve: ${counts}[Stikprøve]\n\n
    ...    Rapporten: ${path}\n
    ...    separator=${EMPTY}
    Send Report Mail    ${mailbox}    Fleksløntilskud ${month}: ${counts}[Behandlet] behandlet    ${body}
