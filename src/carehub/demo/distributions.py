"""Population targets for the synthetic plan: products, ages, conditions, needs, use, cost.

Every figure is a rounded approximation of a public source; docs/data/synthetic.md names
the source of each and compares it with what the generator produces.
"""

from __future__ import annotations

from dataclasses import dataclass

PRODUCTS: tuple[str, ...] = ("medicaid", "medicare_advantage", "dsnp", "commercial")
MEDICAID, MEDICARE_ADVANTAGE, DSNP, COMMERCIAL = range(4)
MEDICARE_PRODUCTS = (MEDICARE_ADVANTAGE, DSNP)

# Share of the plan's members in each product (a multi-line regional plan; assumption).
PRODUCT_MIX: tuple[float, ...] = (0.55, 0.22, 0.08, 0.15)

# Age bands (inclusive years) and the share of each product's members in each band.
AGE_BANDS: tuple[tuple[int, int], ...] = ((0, 17), (18, 44), (45, 64), (65, 74), (75, 84), (85, 99))
AGE_MIX: tuple[tuple[float, ...], ...] = (
    (0.40, 0.30, 0.20, 0.06, 0.03, 0.01),  # medicaid: KFF, Medicaid enrollees by age
    (0.00, 0.04, 0.08, 0.47, 0.30, 0.11),  # medicare_advantage: KFF, MA enrollees by age
    (0.00, 0.14, 0.24, 0.30, 0.20, 0.12),  # dsnp: MACPAC/MMCO dual eligibles by age
    (0.22, 0.40, 0.36, 0.02, 0.00, 0.00),  # commercial: KFF employer coverage by age
)

# Share female by product (KFF enrollee profiles), and a small share of sex "U".
FEMALE_SHARE: tuple[float, ...] = (0.55, 0.55, 0.61, 0.51)
UNKNOWN_SEX_SHARE = 0.002

# Plan-reported demographics are incomplete; this share of members has race/ethnicity
# "Unknown" (plans typically miss 10-30%; CMS OMH 2022 reports MA race completeness).
UNKNOWN_RACE_SHARE = 0.08

# Mean risk score by product. Each product's model is normalised to 1.0 on its reference
# population; MA runs above 1.0 from coding intensity (MedPAC March 2024 report, ch. 12),
# D-SNP members far above (MedPAC 2024: D-SNP risk scores ~ 1.5-1.7).
RISK_MEAN: tuple[float, ...] = (1.00, 1.08, 1.60, 0.95)
RISK_SIGMA = 0.55  # lognormal spread from the shared frailty factor
RISK_NOISE = 0.20

# Correlation of each condition's latent liability with the member's frailty factor.
CONDITION_FRAILTY_LOADING = 0.5
# Spread of the frailty-driven utilisation multiplier (mean 1).
USE_SIGMA = 0.7


@dataclass(frozen=True)
class Condition:
    slug: str
    codes: tuple[tuple[str, float], ...]  # billable ICD-10-CM codes and their weights
    prevalence: tuple[float, ...]  # share of members with >= 1 claim, by product
    age_rr: tuple[float, ...]  # relative risk by age band (normalised per product)
    visits_per_year: float  # follow-up visits beyond the first, per member-year
    visit_extras: tuple[tuple[str, float, float], ...]  # (procedure, weight, price weight)
    fills_per_year: float  # pharmacy fills per member-year
    fill_price: float  # relative allowed per fill


CONDITIONS: tuple[Condition, ...] = (
    Condition(
        "diabetes",
        (
            ("E11.9", 0.45),
            ("E11.65", 0.2),
            ("E11.22", 0.12),
            ("E11.40", 0.08),
            ("E11.649", 0.05),
            ("E11.42", 0.1),
        ),
        (0.07, 0.28, 0.36, 0.055),
        (0.02, 0.4, 1.3, 1.7, 1.7, 1.5),
        2.0,
        (("83036", 0.4, 0.15), ("82043", 0.25, 0.1), ("80053", 0.2, 0.15), ("92250", 0.15, 0.4)),
        14.0,
        4.0,
    ),
    Condition(
        "heart_failure",
        (
            ("I50.9", 0.35),
            ("I50.22", 0.2),
            ("I50.32", 0.2),
            ("I50.42", 0.1),
            ("I50.23", 0.1),
            ("I50.33", 0.05),
        ),
        (0.015, 0.14, 0.18, 0.006),
        (0.01, 0.1, 0.6, 1.2, 2.0, 3.0),
        2.0,
        (("93306", 0.25, 2.0), ("83880", 0.3, 0.4), ("80048", 0.3, 0.12), ("93000", 0.15, 0.15)),
        14.0,
        2.0,
    ),
    Condition(
        "copd",
        (("J44.9", 0.7), ("J44.1", 0.2), ("J44.0", 0.1)),
        (0.03, 0.11, 0.17, 0.012),
        (0.0, 0.15, 1.0, 1.4, 1.6, 1.6),
        1.5,
        (("94010", 0.45, 0.3), ("94060", 0.25, 0.5), ("71046", 0.3, 0.3)),
        9.0,
        6.0,
    ),
    Condition(
        "hypertension",
        (("I10", 1.0),),
        (0.13, 0.57, 0.65, 0.13),
        (0.02, 0.35, 1.2, 1.5, 1.7, 1.8),
        1.0,
        (("93000", 0.5, 0.15), ("80048", 0.5, 0.12)),
        11.0,
        0.5,
    ),
    Condition(
        "ckd",
        (
            ("N18.30", 0.25),
            ("N18.31", 0.15),
            ("N18.32", 0.15),
            ("N18.4", 0.15),
            ("N18.5", 0.05),
            ("N18.6", 0.05),
            ("N18.9", 0.15),
            ("N18.2", 0.05),
        ),
        (0.015, 0.24, 0.30, 0.012),
        (0.01, 0.15, 0.7, 1.3, 2.0, 2.6),
        1.0,
        (("80048", 0.4, 0.12), ("82565", 0.3, 0.08), ("82043", 0.3, 0.1)),
        2.0,
        1.0,
    ),
    Condition(
        "depression",
        (("F32.9", 0.3), ("F32.A", 0.15), ("F32.1", 0.2), ("F33.1", 0.2), ("F33.9", 0.15)),
        (0.13, 0.18, 0.32, 0.09),
        (0.5, 1.1, 1.2, 1.0, 1.0, 1.0),
        3.0,
        (("90834", 0.5, 1.0), ("90837", 0.3, 1.4), ("96127", 0.2, 0.05)),
        10.0,
        0.6,
    ),
    Condition(
        "substance_use",
        (("F10.20", 0.35), ("F11.20", 0.25), ("F14.20", 0.1), ("F12.20", 0.2), ("F10.10", 0.1)),
        (0.07, 0.05, 0.09, 0.02),
        (0.2, 1.5, 1.3, 0.6, 0.3, 0.1),
        4.0,
        (("H0020", 0.3, 0.15), ("H0004", 0.4, 0.25), ("80305", 0.2, 0.15), ("99408", 0.1, 0.4)),
        5.0,
        3.0,
    ),
    Condition(
        "asthma",
        (("J45.909", 0.5), ("J45.20", 0.2), ("J45.40", 0.2), ("J45.41", 0.1)),
        (0.08, 0.05, 0.08, 0.04),
        (1.3, 0.9, 1.0, 0.9, 0.8, 0.7),
        1.0,
        (("94010", 0.5, 0.3), ("94640", 0.3, 0.2), ("94664", 0.2, 0.2)),
        4.0,
        4.0,
    ),
    Condition(
        "hyperlipidemia",
        (("E78.5", 0.8), ("E78.2", 0.2)),
        (0.08, 0.47, 0.50, 0.12),
        (0.02, 0.4, 1.3, 1.6, 1.6, 1.4),
        0.5,
        (("80061", 0.7, 0.2), ("80076", 0.3, 0.15)),
        11.0,
        0.5,
    ),
    Condition(
        "serious_mental_illness",
        (("F20.9", 0.4), ("F31.9", 0.6)),
        (0.04, 0.03, 0.12, 0.01),
        (0.3, 1.3, 1.3, 0.8, 0.6, 0.5),
        4.0,
        (("90834", 0.5, 1.0), ("90792", 0.2, 1.8), ("96372", 0.3, 0.3)),
        8.0,
        4.0,
    ),
    Condition(
        "obesity",
        (("E66.9", 1.0),),
        (0.08, 0.15, 0.18, 0.07),
        (0.6, 1.1, 1.3, 1.0, 0.7, 0.3),
        0.3,
        (("97802", 0.6, 0.4), ("97803", 0.4, 0.35)),
        0.0,
        0.0,
    ),
)


@dataclass(frozen=True)
class SocialNeed:
    slug: str
    prevalence: tuple[float, ...]  # share of members with the need, by product
    z_codes: tuple[tuple[str, float], ...]  # billable Z codes used when it is coded


# Underlying need (what a screening finds), by product. Rounded from the CMS Accountable
# Health Communities Model evaluation (RTI, second report 2023, screening results by
# domain) and the Urban Institute Well-Being and Basic Needs Survey (2022) for commercial.
SOCIAL_NEEDS: tuple[SocialNeed, ...] = (
    SocialNeed("food", (0.25, 0.10, 0.28, 0.06), (("Z59.41", 0.85), ("Z59.48", 0.15))),
    SocialNeed(
        "housing_instability", (0.15, 0.05, 0.15, 0.03), (("Z59.811", 0.6), ("Z59.819", 0.4))
    ),
    SocialNeed(
        "homelessness",
        (0.03, 0.005, 0.03, 0.002),
        (("Z59.00", 0.3), ("Z59.01", 0.45), ("Z59.02", 0.25)),
    ),
    SocialNeed("transportation", (0.14, 0.08, 0.20, 0.03), (("Z59.82", 1.0),)),
    SocialNeed("utilities", (0.12, 0.05, 0.13, 0.03), (("Z59.861", 0.7), ("Z59.12", 0.3))),
    SocialNeed("housing_quality", (0.10, 0.04, 0.10, 0.03), (("Z59.10", 0.6), ("Z59.19", 0.4))),
)

# Share of members with an HRSN screening in a 12-month window, by product (AHC model
# and HEDIS SNS-E first-year rates are low; assumption documented in synthetic.md).
SCREENING_RATE: tuple[float, ...] = (0.30, 0.25, 0.40, 0.10)
# Share of screened members with a positive domain whose claims carry the Z code.
# Real-world capture is far lower (CMS OMH Data Highlight 2023: ~1.6% of Medicare FFS
# beneficiaries had a Z55-Z65 code); kept high so criteria on Z codes select members.
Z_CODING_RATE = 0.6
# Instrument mix for screenings (ahc-hrsn, prapare, hvs).
INSTRUMENT_MIX: tuple[float, ...] = (0.6, 0.25, 0.15)

# Events per member-year by product.
# ED: NCHS NHAMCS 2021 ED visit rates by expected source of payment; CMS Medicare
#   Geographic Variation PUF 2022 (ED visits per 1,000 FFS beneficiaries); HCCI 2022.
ED_PER_1000: tuple[float, ...] = (700.0, 560.0, 1100.0, 170.0)
# Inpatient stays: HCUP NIS 2021 stays by payer over enrolment (Medicaid incl. births);
#   CMS Geographic Variation PUF 2022; MedPAC D-SNP analyses; HCCI 2022 admissions.
IP_PER_1000: tuple[float, ...] = (95.0, 230.0, 380.0, 50.0)
# Other (not targeted, chosen so lines per member-year land near 40).
OUTPATIENT_PER_YEAR: tuple[float, ...] = (2.4, 3.5, 4.0, 1.8)
GENERIC_VISITS_PER_YEAR: tuple[float, ...] = (3.6, 3.5, 4.0, 3.0)
ACUTE_FILLS_PER_YEAR: tuple[float, ...] = (3.0, 4.0, 5.0, 2.5)
# Share of generic visits that are preventive (well-child, annual wellness).
PREVENTIVE_SHARE = 0.25

# Allowed per member per month, by product (MACPAC MACStats 2023 Exhibit 22 acute-care
# spending per full-year enrollee; KFF MA spending per enrollee 2024; MedPAC/MACPAC
# Data Book 2024 for duals; HCCI Health Care Cost and Utilization Report 2022).
ALLOWED_PMPM: tuple[float, ...] = (520.0, 1150.0, 2000.0, 560.0)
SETTINGS: tuple[str, ...] = ("inpatient", "ed", "outpatient", "professional", "pharmacy")
INPATIENT, ED, OUTPATIENT, PROFESSIONAL, PHARMACY = range(5)
# Share of allowed by setting (HCCI 2022 spending by service category, rounded).
SETTING_SHARE: tuple[float, ...] = (0.28, 0.07, 0.20, 0.25, 0.20)
# Paid / allowed by product (cost sharing), and the share of lines denied (paid 0).
PAID_RATIO: tuple[float, ...] = (0.97, 0.88, 0.99, 0.80)
DENIED_SHARE = 0.03
# Spread (lognormal sigma) of allowed per claim around its mean.
CLAIM_COST_SIGMA: tuple[float, ...] = (0.8, 0.5, 0.6, 0.6, 0.7)

# Inpatient length of stay: nights = Poisson(mean - 1) + 1, with a share of same-day
# stays (HCUP: mean LOS about 4.6 days).
MEAN_NIGHTS = 4.5
ZERO_NIGHT_SHARE = 0.06
# Medicare members (65+) in hospice (election at a point in time; MedPAC 2024 ch. 10).
HOSPICE_SHARE_65PLUS = 0.015

# Enrolment patterns (assumption): continuous, joined during the window, left during
# the window, two spans with a gap.
ENROLMENT_PATTERN_MIX: tuple[float, ...] = (0.80, 0.08, 0.07, 0.05)
