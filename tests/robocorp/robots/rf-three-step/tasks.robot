*** Settings ***
Documentation    A batch of orders in three steps: split into order lines, price each line against the
...              price list that came with the batch, report the batch. Keywords come from
...              resources/ and libraries/, found through robot.yaml's PYTHONPATH.

Library          RPA.Robocorp.WorkItems    autoload=${False}
Library          Orders
Resource         keywords.resource


*** Tasks ***
Split batch
    [Documentation]    One output work item per order line of the batch, the price list attached to each.
    Get Input Work Item
    ${batch}    Get Work Item Variable    batch
    ${lines}    Get Work Item Variable    orders
    ${prices}    Get Work Item File    prices.csv    ${OUTPUT_DIR}${/}prices.csv
    FOR    ${line}    IN    @{lines}
        VAR    &{order}    batch=${batch}    order_id=${line}[id]    sku=${line}[sku]    quantity=${line}[qty]
        Create Output Work Item    variables=${order}    files=${prices}    save=${True}
    END

Price orders
    [Documentation]    Prices every order line; a product the price list lacks is a business exception.
    For Each Input Work Item    Price One Order    return_results=${False}

Report batch
    [Documentation]    One summary work item for the whole batch, made while the first priced order is reserved.
    ${first}    Get Input Work Item
    ${summary}    Create Output Work Item
    Set Current Work Item    ${first}
    ${orders}    For Each Input Work Item    Priced Order
    Set Current Work Item    ${summary}
    Fill In Summary    ${orders}


*** Keywords ***
Price One Order
    [Documentation]    The order line's total and receipt, passed on as an output work item.
    ${order}    Get Work Item Variables
    ${price_list}    Get Work Item File    prices.csv    ${OUTPUT_DIR}${/}prices-${order}[order_id].csv
    ${prices}    Read Price List    ${price_list}
    TRY
        ${total}    Price Order Line    ${prices}    ${order}[sku]    ${order}[quantity]
    EXCEPT    Unknown product:*    type=GLOB    AS    ${error}
        Release Input Work Item    FAILED    exception_type=BUSINESS
        ...    code=UNKNOWN_PRODUCT    message=Order ${order}[order_id]: ${error}
        RETURN
    END
    ${receipt}    Write Receipt    ${order}    ${total}
    VAR    &{priced}    batch=${order}[batch]    order_id=${order}[order_id]    total=${total}
    Create Output Work Item    variables=${priced}    files=${receipt}    save=${True}

Priced Order
    [Documentation]    The batch, order id and total of one priced order.
    ${order}    Get Work Item Variables
    RETURN    ${order}

Fill In Summary
    [Documentation]    The summary item's variables and file, saved: the batch, its orders and its total.
    [Arguments]    ${orders}
    ${summary}    Summarise Orders    ${orders}
    ${file}    Write Summary    ${summary}    ${orders}
    Set Work Item Variables    &{summary}
    Add Work Item File    ${file}
    Save Work Item
