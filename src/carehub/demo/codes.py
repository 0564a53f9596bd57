"""Code lists for synthetic claims and screenings.

Procedure codes are CPT or HCPCS Level II codes that plausibly appear in each setting;
each carries a relative price weight used to split a claim's allowed amount across its
lines. Diagnosis codes are billable ICD-10-CM codes (checked in the unit tests). Screening
items and answers are the LOINC codes of the CMS AHC HRSN screening tool, PRAPARE and the
Hunger Vital Sign.
"""

from __future__ import annotations

# (procedure code, probability, relative price weight)
Weighted = tuple[tuple[str, float, float], ...]

OFFICE_VISIT: Weighted = (
    ("99212", 0.15, 0.6),
    ("99213", 0.45, 1.0),
    ("99214", 0.33, 1.45),
    ("99215", 0.07, 2.0),
)
GENERIC_VISIT_EXTRAS: Weighted = (
    ("90471", 0.25, 0.2),
    ("90686", 0.2, 0.25),
    ("36415", 0.2, 0.05),
    ("81002", 0.15, 0.05),
    ("87880", 0.1, 0.15),
    ("96127", 0.1, 0.05),
)
# Preventive visit codes by age (years, inclusive upper bound): well-child and adult
# preventive medicine codes; G0439 (subsequent annual wellness visit) for Medicare.
PREVENTIVE_BY_AGE: tuple[tuple[int, str], ...] = (
    (0, "99391"),
    (4, "99392"),
    (11, "99393"),
    (17, "99394"),
    (39, "99395"),
    (64, "99396"),
    (200, "99397"),
)
MEDICARE_WELLNESS = "G0439"
PREVENTIVE_PRICE = 1.6
CHILD_PREVENTIVE_DX = "Z00.129"
ADULT_PREVENTIVE_DX = "Z00.00"

ED_VISIT: Weighted = (("99283", 0.30, 1.0), ("99284", 0.42, 1.6), ("99285", 0.28, 2.4))
ED_EXTRAS: Weighted = (
    ("80053", 0.15, 0.3),
    ("85025", 0.15, 0.2),
    ("71046", 0.12, 0.4),
    ("81001", 0.08, 0.1),
    ("93005", 0.1, 0.2),
    ("70450", 0.08, 1.5),
    ("74177", 0.07, 2.0),
    ("96374", 0.1, 0.5),
    ("J2405", 0.07, 0.05),
    ("36415", 0.05, 0.05),
    ("87635", 0.03, 0.5),
)
# Inpatient professional and facility lines: admission, each further day, discharge.
IP_ADMIT = ("99223", 6.0)
IP_DAY = ("99232", 0.8)
IP_DISCHARGE = ("99239", 1.0)
IP_MAX_DAY_LINES = 5

# Hospital outpatient: procedure and the diagnosis that usually goes with it; "" means
# the member's own condition (or OUTPATIENT_FALLBACK_DX without one).
OUTPATIENT_PROCEDURES: tuple[tuple[str, str, float, float], ...] = (
    ("77067", "Z12.31", 0.12, 0.6),
    ("45378", "Z12.11", 0.07, 4.0),
    ("71046", "R06.02", 0.12, 0.3),
    ("93306", "", 0.07, 2.5),
    ("73721", "M25.561", 0.05, 2.5),
    ("97110", "M54.50", 0.1, 0.4),
    ("80053", "", 0.15, 0.15),
    ("85025", "R53.83", 0.1, 0.1),
    ("93005", "R07.89", 0.08, 0.2),
    ("74177", "R10.9", 0.07, 2.5),
    ("70450", "R51.9", 0.07, 1.5),
)
OUTPATIENT_FALLBACK_DX = "R53.83"
LAB_EXTRAS: Weighted = (
    ("36415", 0.3, 0.05),
    ("80053", 0.2, 0.15),
    ("85025", 0.2, 0.1),
    ("83036", 0.1, 0.15),
    ("80061", 0.1, 0.2),
    ("84443", 0.1, 0.2),
)

# SDOH risk assessment: G0136 for Medicare products, 96160 (health risk assessment)
# otherwise.
SCREENING_CODE_MEDICARE = "G0136"
SCREENING_CODE_OTHER = "96160"
SCREENING_PRICE = 0.2
SCREENING_NEGATIVE_DX = "Z13.89"

# Diagnosis pools for claims not about a member's chronic condition: (code, weight).
CHILD_ACUTE_DX: tuple[tuple[str, float], ...] = (
    ("J06.9", 0.25),
    ("H66.90", 0.15),
    ("J02.9", 0.15),
    ("R50.9", 0.1),
    ("J20.9", 0.08),
    ("F90.0", 0.07),
    ("K52.9", 0.06),
    ("R11.2", 0.05),
    ("L03.90", 0.04),
    ("F84.0", 0.05),
)
ADULT_ACUTE_DX: tuple[tuple[str, float], ...] = (
    ("J06.9", 0.14),
    ("M54.50", 0.12),
    ("R10.9", 0.08),
    ("N39.0", 0.08),
    ("R51.9", 0.06),
    ("K21.9", 0.08),
    ("F41.1", 0.08),
    ("M25.561", 0.06),
    ("R53.83", 0.06),
    ("G47.33", 0.05),
    ("R73.03", 0.06),
    ("E03.9", 0.06),
    ("M17.11", 0.04),
    ("I25.10", 0.03),
)
ED_DX: tuple[tuple[str, float], ...] = (
    ("R07.9", 0.1),
    ("R10.9", 0.12),
    ("J06.9", 0.08),
    ("N39.0", 0.07),
    ("R51.9", 0.06),
    ("S93.401A", 0.06),
    ("S01.81XA", 0.05),
    ("R55", 0.05),
    ("K59.00", 0.04),
    ("J18.9", 0.05),
    ("R06.02", 0.06),
    ("T78.40XA", 0.03),
    ("U07.1", 0.04),
    ("J10.1", 0.04),
    ("A08.4", 0.04),
    ("L03.90", 0.05),
    ("R11.2", 0.06),
)
IP_DX: tuple[tuple[str, float], ...] = (
    ("A41.9", 0.2),
    ("J18.9", 0.15),
    ("N39.0", 0.08),
    ("I21.4", 0.08),
    ("I63.9", 0.07),
    ("N17.9", 0.08),
    ("I48.91", 0.07),
    ("K52.9", 0.05),
    ("R55", 0.04),
    ("E87.1", 0.04),
    ("U07.1", 0.04),
    ("L03.90", 0.05),
    ("M17.11", 0.05),
)
DELIVERY_DX = "O80"
# Share of inpatient stays of Medicaid women 18-44 that are births (HCUP: about half).
DELIVERY_SHARE = 0.5

# Screening items: instrument -> (item LOINC, social need slug or "", positive answers,
# negative answer). An item with no negative answer is only recorded when positive
# (PRAPARE's multi-select "unable to get" question).
INSTRUMENTS: tuple[str, ...] = ("ahc-hrsn", "prapare", "hvs")
ScreeningItem = tuple[str, str, tuple[str, ...], str]
SCREENING_ITEMS: dict[str, tuple[ScreeningItem, ...]] = {
    "ahc-hrsn": (
        # Living situation: steady / worried about losing it / no steady place.
        ("71802-3", "housing_instability", ("LA31994-9",), "LA31993-1"),
        # Problems with the place you live: pests, mold, lack of heat / none.
        ("96778-6", "housing_quality", ("LA31996-4", "LA28580-1", "LA31998-0"), "LA9-3"),
        ("88122-7", "food", ("LA28397-0", "LA6729-3"), "LA28398-8"),
        ("88123-5", "food", ("LA28397-0", "LA6729-3"), "LA28398-8"),
        ("93030-5", "transportation", ("LA33-6",), "LA32-8"),
        # Utility company threatened to shut off services: yes / already shut off / no.
        ("96779-4", "utilities", ("LA33-6", "LA32002-0"), "LA32-8"),
    ),
    "prapare": (
        ("71802-3", "homelessness", ("LA30190-5",), "LA30189-7"),
        ("93033-9", "housing_instability", ("LA33-6",), "LA32-8"),
        ("93031-3", "food", ("LA30125-1",), ""),
        ("93031-3", "utilities", ("LA30124-4",), ""),
        ("93030-5", "transportation", ("LA30133-5", "LA30134-3"), "LA32-8"),
    ),
    "hvs": (
        ("88122-7", "food", ("LA28397-0", "LA6729-3"), "LA28398-8"),
        ("88123-5", "food", ("LA28397-0", "LA6729-3"), "LA28398-8"),
    ),
}
# On the AHC living-situation item, a homeless member answers "no steady place".
AHC_HOMELESS_ANSWER = "LA31995-6"
