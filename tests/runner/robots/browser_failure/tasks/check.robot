*** Settings ***
Documentation    Opens a payment (its page shows a CPR number), then fails, as a robot meeting a surprise.

Resource         ydelsessystem.resource


*** Tasks ***
Check Payment
    [Documentation]    The failing keyword leaves a screenshot and the page's HTML in the run's folder.
    Log In To Ydelsessystem    ${ydelse_url}
    ${payment}    Get Payment    ${payment_id}
    Should Be Equal    ${payment.status}    A STATUS NO PAYMENT HAS
