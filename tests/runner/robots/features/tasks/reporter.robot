*** Settings ***
Documentation    Reports the run's items in a workbook in the run's folder.

Library          rpa_core.keywords.run.RunKeywords


*** Tasks ***
Write Report
    [Documentation]    One sheet listing every item of the run.
    ${items}    Get Run Work Items    features    states=DONE
    ${rows}    Evaluate    [[item['reference'], item['state'], item['payload']['month']] for item in $items]
    Add Report Sheet    Behandlet    ${{ ['Reference', 'State', 'Month'] }}    ${rows}
    ${folder}    Get Artifacts Directory
    Save Report Workbook    ${folder}/report.xlsx
