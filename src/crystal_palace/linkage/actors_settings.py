"""Splink models per entity type: which fields are compared how, and which pairs are compared at all.

Each entity type gets comparisons with explicit levels (exact, same name after nicknames, Jaro-Winkler
or Damerau-Levenshtein bands, date differences) and *prior* m and u probabilities on every level. The
priors matter twice: a small data set (a dozen phones seized in one case) cannot be trained, and the
priors then give sensible, explainable scores; a large one is trained (u by random sampling, m by
expectation maximisation) and the priors are only the starting point. Term-frequency adjustments are on
for names and places, so that two "Kowalski" agree less than two "Wiśniewska-Bąk".

Blocking: each entity type lists candidate rules from loose (one field) to tight (two fields). A rule
is kept only if the number of pairs it generates stays under a budget, so 5,000 records are compared
generously while 1,000,000 are compared on compound keys only and still fit one machine; the rules
kept and dropped, with their pair counts, are reported with the result.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import splink.comparison_level_library as cll
from splink import SettingsCreator, block_on
from splink.internals.comparison_creator import ComparisonCreator
from splink.internals.comparison_level_creator import ComparisonLevelCreator
from splink.internals.comparison_library import CustomComparison

Level = tuple[ComparisonLevelCreator, float, float, str]
"""A comparison level with its prior m and u probabilities and the words an explanation uses for it."""


class DescribedComparison(CustomComparison):
    """A custom comparison that keeps its description (Splink's reports the class name instead)."""

    def create_description(self) -> str:
        """The description given at construction: explanations quote it."""
        return str(self._description)


def _comparison(column: str, description: str, levels: Sequence[Level]) -> ComparisonCreator:
    configured: list[ComparisonLevelCreator | dict[str, Any]] = [
        cll.NullLevel(column).configure(label_for_charts="missing")]
    for level, m, u, label in levels:
        configured.append(level.configure(m_probability=m, u_probability=u, label_for_charts=label))
    m_else = max(1e-3, 1.0 - sum(level[1] for level in levels))
    u_else = max(1e-3, 1.0 - sum(level[2] for level in levels))
    configured.append(cll.ElseLevel().configure(m_probability=m_else, u_probability=u_else,
                                                label_for_charts="differs"))
    return DescribedComparison(configured, output_column_name=column, comparison_description=description)


def given_name(tf: bool, column: str = "first_name", canonical: str = "first_name_canonical",
               other: str = "surname") -> ComparisonCreator:
    """Given name: exact (frequency-adjusted), swapped with the surname, same name behind a nickname, typos."""
    return _comparison(column, "given name", [
        (cll.ExactMatchLevel(column, term_frequency_adjustments=tf), 0.80, 0.01, "same"),
        (cll.ColumnsReversedLevel(column, other, symmetrical=True), 0.02, 0.00001, "swapped with the surname"),
        (cll.ExactMatchLevel(canonical), 0.05, 0.002, "same name behind a nickname or spelling"),
        (cll.JaroWinklerLevel(column, 0.92), 0.07, 0.01, "nearly the same (Jaro-Winkler >= 0.92)"),
        (cll.JaroWinklerLevel(column, 0.80), 0.04, 0.05, "similar (Jaro-Winkler >= 0.80)"),
    ])


def family_name(column: str, description: str, tf: bool, swapped_with: str | None = None) -> ComparisonCreator:
    """Surname, company or holder name: exact (frequency-adjusted), swapped, then Jaro-Winkler bands."""
    swapped: list[Level] = []
    if swapped_with:
        swapped = [(cll.ColumnsReversedLevel(column, swapped_with, symmetrical=True), 0.02, 0.00001,
                    "swapped with the given name")]
    return _comparison(column, description, [
        (cll.ExactMatchLevel(column, term_frequency_adjustments=tf), 0.82, 0.005, "same"),
        *swapped,
        (cll.JaroWinklerLevel(column, 0.92), 0.10, 0.01, "nearly the same (Jaro-Winkler >= 0.92)"),
        (cll.JaroWinklerLevel(column, 0.80), 0.04, 0.05, "similar (Jaro-Winkler >= 0.80)"),
    ])


def birth_date(column: str = "birth_date") -> ComparisonCreator:
    """Date of birth: exact, one typing error, within a month, within a year."""
    return _comparison(column, "date of birth", [
        (cll.ExactMatchLevel(column), 0.85, 0.0001, "same"),
        (cll.DamerauLevenshteinLevel(column, 1), 0.08, 0.002, "one typing error apart"),
        (cll.AbsoluteDateDifferenceLevel(column, input_is_string=True, threshold=1, metric="month"), 0.02, 0.001,
         "within a month"),
        (cll.AbsoluteDateDifferenceLevel(column, input_is_string=True, threshold=1, metric="year"), 0.02, 0.03,
         "within a year"),
    ])


def _chance_agreement_fixed(level: ComparisonLevelCreator) -> ComparisonLevelCreator:
    """Keep the prior u of an exact identifier agreement through training.

    Two different actors do not share a phone number, an IBAN or a plate by chance; what random sampling
    sees as agreement on an identifier is almost only the true duplicates (a demo case file holds each
    person two or three times), which would make u look like the match rate and the strongest evidence
    look weak.
    """
    return level.configure(fix_u_probability=True)


def identifier(column: str, description: str) -> ComparisonCreator:
    """An identifier (national id, VIN, IBAN, phone): exact, one or two typing errors."""
    return _comparison(column, description, [
        (_chance_agreement_fixed(cll.ExactMatchLevel(column)), 0.88, 0.000001, "same"),
        (cll.DamerauLevenshteinLevel(column, 1), 0.07, 0.0001, "one typing error apart"),
        (cll.DamerauLevenshteinLevel(column, 2), 0.02, 0.001, "two typing errors apart"),
    ])


def place(column: str, description: str, tf: bool) -> ComparisonCreator:
    """A street, city or model name: exact (frequency-adjusted), then Jaro-Winkler bands."""
    return _comparison(column, description, [
        (cll.ExactMatchLevel(column, term_frequency_adjustments=tf), 0.80, 0.01, "same"),
        (cll.JaroWinklerLevel(column, 0.90), 0.10, 0.02, "nearly the same (Jaro-Winkler >= 0.90)"),
        (cll.JaroWinklerLevel(column, 0.70), 0.05, 0.10, "similar (Jaro-Winkler >= 0.70)"),
    ])


def phone(column: str = "phone", digits: str = "phone_digits") -> ComparisonCreator:
    """Phone number: same E.164 number, same digits written with another prefix, one typing error."""
    return _comparison(digits, "phone number", [
        (_chance_agreement_fixed(cll.ExactMatchLevel(column)), 0.85, 0.000001, "same"),
        # the same national digits are the same number written another way: nine random digits agree by
        # chance about once in a billion pairs, and a larger u makes this level too weak once the match
        # prior is small (it falls as 1/n: at 26,000 phones, same digits without the prefix scored 0.7)
        (_chance_agreement_fixed(cll.ExactMatchLevel(digits)), 0.08, 1e-8,
         "same number, prefix written differently"),
        (cll.DamerauLevenshteinLevel(digits, 1), 0.04, 0.00002, "one typing error apart"),
    ])


def account(column: str = "iban", domestic: str = "account") -> ComparisonCreator:
    """Bank account: same IBAN, same domestic account number (BBAN), one typing error."""
    return _comparison(domestic, "account number", [
        (_chance_agreement_fixed(cll.ExactMatchLevel(column)), 0.85, 0.000001, "same IBAN"),
        (_chance_agreement_fixed(cll.ExactMatchLevel(domestic)), 0.1, 1e-8,
         "same account, written without country or check digits"),
        (cll.DamerauLevenshteinLevel(domestic, 1), 0.03, 0.00002, "one typing error apart"),
    ])


def code(column: str, description: str, u_exact: float = 0.001) -> ComparisonCreator:
    """A short code (postcode, house number): exact, one typing error."""
    return _comparison(column, description, [
        (cll.ExactMatchLevel(column), 0.85, u_exact, "same"),
        (cll.LevenshteinLevel(column, 1), 0.08, 10 * u_exact, "one character apart"),
    ])


def category(column: str, description: str, u_exact: float = 0.2) -> ComparisonCreator:
    """A category (country, region, colour, make): agrees or not."""
    return _comparison(column, description, [(cll.ExactMatchLevel(column), 0.95, u_exact, "same")])


def plate(column: str = "plate", key: str = "plate_key") -> ComparisonCreator:
    """Registration plate: exact, equal up to look-alike characters, one typing error."""
    return _comparison(column, "registration plate", [
        (_chance_agreement_fixed(cll.ExactMatchLevel(column)), 0.85, 0.000001, "same"),
        (_chance_agreement_fixed(cll.ExactMatchLevel(key)), 0.06, 0.000002,
         "same up to look-alike characters (O/0, I/1, S/5)"),
        (cll.DamerauLevenshteinLevel(column, 1), 0.05, 0.0002, "one typing error apart"),
    ])


@dataclass(frozen=True)
class FieldComparison:
    """A comparison used when all its ``fields`` hold values."""

    fields: tuple[str, ...]
    build: Callable[[bool], ComparisonCreator]
    """Builds the comparison; the argument says whether term-frequency adjustments are on."""


@dataclass(frozen=True)
class EntityModel:
    """What Splink needs to know about one entity type."""

    comparisons: tuple[FieldComparison, ...]
    blocking: tuple[tuple[str, ...], ...]
    """Candidate blocking keys, loose to tight; each kept only under the pair budget."""
    training_blocks: tuple[tuple[str, ...], ...]
    """Blocks for expectation maximisation; together they leave every comparison free in one of them."""
    deterministic: tuple[tuple[str, ...], ...]
    """Near-certain rules to estimate the share of matching pairs (the prior)."""
    prior: float = 0.0001


def _c(fields: str, build: Callable[[bool], ComparisonCreator]) -> FieldComparison:
    return FieldComparison(tuple(fields.split()), build)


MODELS: dict[str, EntityModel] = {
    "person": EntityModel(
        comparisons=(
            _c("first_name first_name_canonical surname", given_name),
            _c("surname first_name", lambda tf: family_name("surname", "surname", tf, swapped_with="first_name")),
            _c("birth_date", lambda tf: birth_date()),
            _c("id_number", lambda tf: identifier("id_number", "identity number")),
            _c("street_number", lambda tf: code("street_number", "house number", u_exact=0.02)),
            _c("street", lambda tf: place("street", "street", tf)),
            _c("locality", lambda tf: place("locality", "locality", tf)),
            _c("city", lambda tf: place("city", "city", tf)),
            _c("postcode", lambda tf: code("postcode", "postcode")),
            _c("region", lambda tf: category("region", "region")),
            _c("nationality", lambda tf: category("nationality", "nationality", u_exact=0.4)),
            _c("phone_digits phone", lambda tf: phone()),
        ),
        blocking=(("first_name",), ("surname",), ("birth_date",), ("id_number",), ("postcode", "street_number"),
                  ("first_name_canonical", "surname"), ("surname", "birth_date"),
                  ("first_name_canonical", "birth_date"), ("postcode", "surname"), ("city", "birth_date"),
                  ("phone_digits",), ("first_name_canonical", "surname", "city"),
                  ("first_name_canonical", "surname", "nationality")),
        training_blocks=(("first_name_canonical", "surname"), ("birth_date",)),
        deterministic=(("first_name", "surname", "birth_date"), ("id_number",)),
    ),
    "company": EntityModel(
        comparisons=(
            _c("name_key", lambda tf: family_name("name_key", "company name", tf)),
            _c("registration_number", lambda tf: identifier("registration_number", "registration number")),
            _c("street", lambda tf: place("street", "street", tf)),
            _c("city", lambda tf: place("city", "city", tf)),
            _c("postcode", lambda tf: code("postcode", "postcode")),
        ),
        blocking=(("name_key",), ("registration_number",), ("postcode",), ("city",), ("city", "postcode")),
        training_blocks=(("name_key",), ("postcode",)),
        deterministic=(("name_key", "city"), ("registration_number",)),
    ),
    "phone": EntityModel(
        comparisons=(
            _c("phone_digits", lambda tf: phone()),
            _c("owner_name", lambda tf: family_name("owner_name", "owner", tf)),
        ),
        blocking=(("phone_digits",), ("phone_tail",), ("owner_name",)),
        training_blocks=(("owner_name",),),
        deterministic=(("phone_digits",),),
    ),
    "vehicle": EntityModel(
        comparisons=(
            _c("plate plate_key", lambda tf: plate()),
            _c("vin", lambda tf: identifier("vin", "VIN")),
            _c("make", lambda tf: category("make", "make", u_exact=0.1)),
            _c("model", lambda tf: place("model", "model", False)),
            _c("colour", lambda tf: category("colour", "colour", u_exact=0.15)),
        ),
        blocking=(("plate",), ("plate_key",), ("vin",), ("make", "model", "colour")),
        training_blocks=(("plate_key",), ("vin",)),
        deterministic=(("plate",), ("vin",)),
    ),
    "bank_account": EntityModel(
        comparisons=(
            _c("account iban", lambda tf: account()),
            _c("holder_name", lambda tf: family_name("holder_name", "account holder", tf)),
            _c("bic", lambda tf: category("bic", "BIC", u_exact=0.05)),
        ),
        blocking=(("account",), ("holder_name",)),
        training_blocks=(("holder_name",), ("account",)),
        deterministic=(("account",),),
    ),
    "address": EntityModel(
        comparisons=(
            _c("street", lambda tf: place("street", "address", tf)),
            _c("postcode", lambda tf: code("postcode", "postcode")),
            _c("city", lambda tf: place("city", "city", tf)),
        ),
        blocking=(("street",), ("postcode",), ("city",), ("postcode", "city")),
        training_blocks=(("postcode",), ("city",)),
        deterministic=(("street", "postcode"),),
    ),
}


def usable(keys: Sequence[tuple[str, ...]], populated: set[str]) -> list[tuple[str, ...]]:
    """The keys whose every field holds values."""
    return [k for k in keys if set(k) <= populated]


def comparisons_for(entity_type: str, populated: set[str],
                    term_frequencies: bool = True) -> list[tuple[str, ComparisonCreator]]:
    """(output column, comparison) for every comparison whose fields hold values.

    Term-frequency adjustments need many records: in a dozen, every name that appears twice (because
    it *is* the duplicate) would look common and count against the match.
    """
    chosen = []
    for comparison in MODELS[entity_type].comparisons:
        if set(comparison.fields) <= populated:
            chosen.append((comparison.fields[0], comparison.build(term_frequencies)))
    return chosen


def build_settings(entity_type: str, populated: set[str], link_type: str,
                   blocking: Sequence[tuple[str, ...]], prior: float | None = None,
                   term_frequencies: bool = True) -> SettingsCreator:
    """Splink settings for one entity type, restricted to the populated fields.

    ``prior`` is the probability that two random records match, before any comparison (the entity
    type's default when not given; training re-estimates it).
    """
    chosen = comparisons_for(entity_type, populated, term_frequencies)
    settings: dict[str, Any] = {
        "link_type": link_type,
        "comparisons": [c for _, c in chosen],
        "blocking_rules_to_generate_predictions": [block_on(*key) for key in blocking],
        "probability_two_random_records_match": prior or MODELS[entity_type].prior,
        # m starts from informed priors, so EM converges in a few iterations; 0.001 on a probability is
        # far below what changes a match decision, and each iteration is a query (seconds on Spark)
        "em_convergence": 0.001,
        "max_iterations": 15,
        "retain_intermediate_calculation_columns": True,
        "retain_matching_columns": True,
        "unique_id_column_name": "unique_id",
    }
    return SettingsCreator(**settings)
