"""Stable codes for the outcomes of a fleksløn case, shared with the robot, each with a Danish text."""

from __future__ import annotations

from enum import StrEnum


class CaseOutcome(StrEnum):
    """What the robot should do with a pending payment."""

    CALCULATED = "CALCULATED"  # register the income and the subsidy, approve, write a journal note
    MANUAL = "MANUAL"  # leave the payment; hand the case to a caseworker with the reason
    ALREADY_HANDLED = "ALREADY_HANDLED"  # the payment is already approved: nothing to do, never pay twice


class Reason(StrEnum):
    """Why a case goes to manual handling, in the order they are checked (the same order as the fleksløn robot's
    rules). LARGE_CHANGE is only checked when no other reason applies."""

    MISSING_MASTER_DATA = "MISSING_MASTER_DATA"
    NO_WAGE = "NO_WAGE"
    MULTIPLE_EMPLOYERS = "MULTIPLE_EMPLOYERS"
    SICKNESS_BENEFIT = "SICKNESS_BENEFIT"
    MATERNITY_BENEFIT = "MATERNITY_BENEFIT"
    UNPAID_HOLIDAY = "UNPAID_HOLIDAY"
    INCOME_CORRECTION = "INCOME_CORRECTION"
    NO_RATE_TABLE = "NO_RATE_TABLE"
    CASE_CLOSED = "CASE_CLOSED"
    LARGE_CHANGE = "LARGE_CHANGE"


REASON_TEXTS: dict[Reason, str] = {
    Reason.MISSING_MASTER_DATA: "Borgeren mangler stamdata (sagsnummer, lønloft eller pensionssats) i stamdataarket.",
    Reason.NO_RATE_TABLE: "Der er ingen bekræftede satser for indkomstårets beregning; satserne skal indtastes.",
    Reason.NO_WAGE: "Der er ingen lønindberetning i indkomstmåneden; der kan ikke udbetales fleksløntilskud.",
    Reason.MULTIPLE_EMPLOYERS: "Der er løn fra mere end én arbejdsgiver i indkomstmåneden.",
    Reason.SICKNESS_BENEFIT: "Borgeren har fået sygedagpenge i indkomstmåneden; tilskuddet skal reduceres manuelt.",
    Reason.MATERNITY_BENEFIT: "Borgeren har fået barselsdagpenge i indkomstmåneden; tilskuddet skal beregnes manuelt.",
    Reason.UNPAID_HOLIDAY: "Der er registreret ferie uden løn i måneden; tilskuddet skal reduceres manuelt.",
    Reason.INCOME_CORRECTION: "Indkomstregistret har et negativt beløb (en korrektion) i løn eller pension.",
    Reason.CASE_CLOSED: "Borgerens fleksjobsag i ESDH er afsluttet; beregningen kan ikke journaliseres på sagen.",
    Reason.LARGE_CHANGE: "Tilskuddet ændrer sig mere end kommunens grænse i forhold til sidste måned.",
}
