"""The shared catalogue every protocol declares its indicators against.

Palermo elements (Act / Means / Purpose), the 11 ILO forced-labour indicators, the six ILO/EC
operational dimensions with their strong / medium / weak grade, referral needs, consent topics and
the other closed vocabularies of the protocol format. Labels are marked with `NC_` (message context +
source text) so the Babel extractor puts them in the `protocols` catalog; `screening_protocols.i18n`
translates them at display time.
"""

from __future__ import annotations

from enum import StrEnum


def NC_(context: str, message: str) -> str:
    """Mark `message` for translation under `context` without translating it here."""
    del context
    return message


class PalermoElement(StrEnum):
    """The three elements of the Palermo Protocol definition (Art. 3)."""

    ACT = "act"
    MEANS = "means"
    PURPOSE = "purpose"


class Strength(StrEnum):
    """The ILO/EC grade of an operational indicator."""

    STRONG = "strong"
    MEDIUM = "medium"
    WEAK = "weak"


class OutcomeLevel(StrEnum):
    """The one decision-support level an interview ends with, most serious first."""

    IMMEDIATE_DANGER = "immediate_danger"
    STRONG_INDICATORS = "strong_indicators"
    POSSIBLE_INDICATORS = "possible_indicators"
    INSUFFICIENT_INFORMATION = "insufficient_information"
    NO_INDICATORS_FOUND = "no_indicators_found"

    @property
    def concern(self) -> int:
        """How much the findings call for action: 3 danger, 2 strong, 1 possible, 0 no finding.

        `insufficient_information` and `no_indicators_found` both mean "no indicator found"; they differ
        in what is known, not in what was found, so they share the lowest rank.
        """
        return _CONCERN[self]


_CONCERN = {
    OutcomeLevel.IMMEDIATE_DANGER: 3,
    OutcomeLevel.STRONG_INDICATORS: 2,
    OutcomeLevel.POSSIBLE_INDICATORS: 1,
    OutcomeLevel.INSUFFICIENT_INFORMATION: 0,
    OutcomeLevel.NO_INDICATORS_FOUND: 0,
}

AUDIENCES = ("consular", "border", "labour", "general")

FRAMEWORKS = {
    "palermo": "UN Palermo Protocol, Art. 3 (Act, Means, Purpose)",
    "ilo_forced_labour": "ILO Indicators of Forced Labour (2012)",
    "ilo_ec_operational": "ILO/EC Operational Indicators of Trafficking in Human Beings (2009)",
    "unodc_indicators": "UNODC Human Trafficking Indicators",
    "vera_tvit": "Vera Institute Trafficking Victim Identification Tool (2014)",
    "who_ethics": "WHO Ethical and Safety Recommendations for Interviewing Trafficked Women (2003)",
    "iom_handbook": "IOM Direct Assistance Handbook (2007) and IOM handbook on vulnerable migrants (2019)",
    "htcds": "Human Trafficking Case Data Standard v2.0 (consent items)",
}

ELEMENT_LABELS = {
    PalermoElement.ACT: NC_("engine:element", "Act (recruitment, transport, transfer, harbouring, receipt)"),
    PalermoElement.MEANS: NC_(
        "engine:element", "Means (threat, force, deception, abuse of vulnerability, debt)"
    ),
    PalermoElement.PURPOSE: NC_("engine:element", "Purpose (exploitation: labour, sexual, servitude, other)"),
}

ILO_INDICATORS = {
    "abuse_of_vulnerability": NC_("engine:ilo", "Abuse of vulnerability"),
    "deception": NC_("engine:ilo", "Deception"),
    "restriction_of_movement": NC_("engine:ilo", "Restriction of movement"),
    "isolation": NC_("engine:ilo", "Isolation"),
    "physical_and_sexual_violence": NC_("engine:ilo", "Physical and sexual violence"),
    "intimidation_and_threats": NC_("engine:ilo", "Intimidation and threats"),
    "retention_of_identity_documents": NC_("engine:ilo", "Retention of identity documents"),
    "withholding_of_wages": NC_("engine:ilo", "Withholding of wages"),
    "debt_bondage": NC_("engine:ilo", "Debt bondage"),
    "abusive_working_and_living_conditions": NC_("engine:ilo", "Abusive working and living conditions"),
    "excessive_overtime": NC_("engine:ilo", "Excessive overtime"),
}

DIMENSIONS = {
    "deceptive_recruitment": NC_("engine:dimension", "Deceptive recruitment"),
    "coercive_recruitment": NC_("engine:dimension", "Coercive recruitment"),
    "recruitment_abuse_of_vulnerability": NC_("engine:dimension", "Recruitment by abuse of vulnerability"),
    "exploitative_conditions": NC_("engine:dimension", "Exploitative conditions of work"),
    "coercion_at_destination": NC_("engine:dimension", "Coercion at destination"),
    "abuse_of_vulnerability_at_destination": NC_("engine:dimension", "Abuse of vulnerability at destination"),
}
RECRUITMENT_DIMENSIONS = frozenset(
    {"deceptive_recruitment", "coercive_recruitment", "recruitment_abuse_of_vulnerability"}
)
DESTINATION_CONTROL_DIMENSIONS = frozenset(
    {"coercion_at_destination", "abuse_of_vulnerability_at_destination"}
)
EXPLOITATION_DIMENSION = "exploitative_conditions"

REFERRAL_NEEDS = {
    "shelter": NC_("engine:referral", "Safe shelter"),
    "medical": NC_("engine:referral", "Medical care"),
    "psychosocial": NC_("engine:referral", "Psychosocial support"),
    "legal": NC_("engine:referral", "Legal advice"),
    "documents_consular": NC_("engine:referral", "Identity documents / consular help"),
    "child_protection": NC_("engine:referral", "Child protection services"),
    "interpretation": NC_("engine:referral", "Interpreter in the person's language"),
    "safe_return": NC_("engine:referral", "Safe, voluntary return"),
    "reintegration": NC_("engine:referral", "Support to settle back home"),
    "labour_rights": NC_("engine:referral", "Help to claim unpaid wages and work rights"),
    "immigration_status": NC_("engine:referral", "Advice on permission to stay and time to decide"),
}

CONSENT_TOPICS = {
    "purpose": True,  # topic -> required in every protocol
    "data_use": True,
    "research_use": False,
    "access": False,
    "retention": True,
    "withdrawal": True,
    "right_not_to_answer": True,
    "right_to_stop": True,
    "right_to_restrict_use": True,
}

LEVEL_HEADLINES = {
    OutcomeLevel.IMMEDIATE_DANGER: NC_(
        "engine:outcome", "Immediate danger: stop the screening and follow the emergency guidance."
    ),
    OutcomeLevel.STRONG_INDICATORS: NC_(
        "engine:outcome", "Strong indicators found: refer for formal identification and support."
    ),
    OutcomeLevel.POSSIBLE_INDICATORS: NC_(
        "engine:outcome", "Possible indicators found: refer for formal identification or a fuller interview."
    ),
    OutcomeLevel.INSUFFICIENT_INFORMATION: NC_(
        "engine:outcome", "Not enough information: key questions stayed unanswered. Offer a later interview."
    ),
    OutcomeLevel.NO_INDICATORS_FOUND: NC_(
        "engine:outcome", "No indicators found in this screening. This is not a finding about the person."
    ),
}

PROTECTION_NOTICE = NC_(
    "engine:outcome",
    "Protection record for referral and support. "
    "Decision support only, not a determination and not evidence.",
)

ANSWER_LABELS = {
    "yes": NC_("engine:answer", "Yes"),
    "no": NC_("engine:answer", "No"),
    "unsure": NC_("engine:answer", "Not sure"),
    "declined": NC_("engine:answer", "Prefer not to answer"),
}

# Banned in every respondent-facing string (domain.md requirement 14): labelling or accusing words.
# Stems, so "trafficked", "victims", "prostitution" and "illegally" are caught too.
BANNED_RESPONDENT_STEMS = ("traffick", "victim", "prostitut", "illegal")

RTL_LANGUAGES = frozenset({"ar", "fa", "he", "ur", "ps", "ckb", "yi", "dv"})

# Forms of exploitation an indicator can signal (its `forms`). The first four are the Palermo purposes
# (Art. 3(a)); the next three are forms the Palermo "at a minimum" list covers through forced services,
# servitude or practices similar to slavery, named on their own because frontline guidance (UNODC,
# ILO, OSCE) treats them separately. `worst_forms_child_labour` is ILO C182 Art. 3 (and hazardous work
# below the C138 minimum ages): for a child it is exploitation whatever the means. Officer-facing only.
PALERMO_PURPOSES = {
    "sexual_exploitation": "Sexual exploitation",
    "forced_labour": "Forced labour or services",
    "slavery_servitude": "Slavery, servitude or domestic servitude",
    "organ_removal": "Removal of organs",
}
OTHER_FORMS = {
    "forced_criminality": "Forced criminal activity",
    "forced_begging": "Forced begging",
    "forced_marriage": "Forced or servile marriage",
}
CHILD_FORMS = {"worst_forms_child_labour": "Worst forms of child labour (incl. hazardous work)"}
EXPLOITATION_FORMS = {**PALERMO_PURPOSES, **OTHER_FORMS, **CHILD_FORMS}

# ILO forced-labour indicators that show the "menace of a penalty" or involuntariness (ILO C29 Art. 2):
# the forced-labour rule needs at least one of them among the distinct indicators found.
MENACE_OF_PENALTY_INDICATORS = frozenset(
    {
        "restriction_of_movement",
        "isolation",
        "physical_and_sexual_violence",
        "intimidation_and_threats",
        "retention_of_identity_documents",
        "withholding_of_wages",
        "debt_bondage",
    }
)

# What the officer records about how old the person appears (the `age_observed_fact` question's values).
AGE_OBSERVATIONS = ("appears_adult", "may_be_minor", "cannot_tell")
