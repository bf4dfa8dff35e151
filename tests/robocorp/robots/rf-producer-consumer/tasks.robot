*** Settings ***
Documentation    Orders from an Excel sheet. The producer makes one work item per row; the consumer
...              confirms each order, or fails it for a person (bad data) or for a retry (a system down).

Library          OperatingSystem
Library          RPA.Excel.Files
Library          RPA.Robocorp.WorkItems


*** Tasks ***
Produce data
    [Documentation]    Reads the orders.xlsx attached to the input work item: an output work item per row.
    ${path}    Get Work Item File    orders.xlsx    ${OUTPUT_DIR}${/}orders.xlsx
    Open Workbook    ${path}
    ${orders}    Read Worksheet As Table    header=${True}
    Close Workbook
    FOR    ${row}    IN    @{orders}
        VAR    &{variables}
        ...    order_id=${row}[Order Id]
        ...    customer=${row}[Customer]
        ...    item=${row}[Item]
        ...    quantity=${row}[Quantity]
        ...    note=${row}[Note]
        Create Output Work Item    variables=${variables}    save=${True}
    END

Consume data
    [Documentation]    Handles every order the producer made.
    For Each Input Work Item    Handle Order    return_results=${False}


*** Keywords ***
Handle Order
    [Documentation]    Checks one order, registers it and passes its confirmation on as an output work item.
    ${order}    Get Work Item Variables
    ${problem}    Order Problem    ${order}
    IF    $problem
        Log    Order ${order}[order_id] is not valid: ${problem}    level=WARN
        Release Input Work Item    FAILED    exception_type=BUSINESS
        ...    code=INVALID_ORDER    message=Order ${order}[order_id]: ${problem}
        RETURN
    END
    TRY
        Register Order    ${order}
    EXCEPT    AS    ${error}
        Release Input Work Item    FAILED    exception_type=APPLICATION
        ...    code=ORDER_SYSTEM_DOWN    message=${error}
        RETURN
    END
    Pass On Confirmation    ${order}
    Release Input Work Item    DONE

Pass On Confirmation
    [Documentation]    An output work item for the registered order, its confirmation file attached.
    [Arguments]    ${order}
    ${confirmation}    Write Confirmation    ${order}
    VAR    &{result}
    ...    order_id=${order}[order_id]
    ...    customer=${order}[customer]
    ...    status=confirmed
    Create Output Work Item    variables=${result}    files=${confirmation}    save=${True}

Order Problem
    [Documentation]    What is wrong with the order, or an empty string.
    [Arguments]    ${order}
    IF    not $order.get("customer")    RETURN    the customer is missing
    VAR    ${quantity}    ${order}[quantity]
    IF    not isinstance($quantity, int) or $quantity < 1
        RETURN    the quantity must be a whole number above 0, not ${quantity}
    END
    RETURN    ${EMPTY}

Register Order
    [Documentation]    Stands in for the order system, which is down for orders noted so.
    [Arguments]    ${order}
    IF    $order.get("note") == "order system down"
        Fail    The order system did not answer for order ${order}[order_id]
    END
    Log    Registered order ${order}[order_id]

Write Confirmation
    [Documentation]    A text file confirming the order, in the output folder; returns its path.
    [Arguments]    ${order}
    VAR    ${path}    ${OUTPUT_DIR}${/}confirmation-${order}[order_id].txt
    ${text}    Catenate    SEPARATOR=\n
    ...    Order ${order}[order_id] for ${order}[customer]
    ...    ${order}[quantity] x ${order}[item]
    Create File    ${path}    ${text}\n    encoding=UTF-8
    RETURN    ${path}
