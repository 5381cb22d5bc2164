"""The word lists behind the synthetic data: countries, agencies, places, names, logos, target peaks.

Everything here is invented for demonstration (no real case, person or company), but shaped like the
real thing: agencies that exist in each country, cities with their coordinates, common given and
family names with their diacritics and nicknames, and the impurities that GC-MS profiling of
amphetamine and MDMA targets.
"""

from __future__ import annotations

COUNTRY_WEIGHTS = {"PL": 0.30, "NL": 0.28, "IT": 0.25, "DE": 0.06, "BE": 0.05, "CZ": 0.03, "ES": 0.03}
"""Share of seizures recorded by each country (the three partner countries first)."""

AGENCIES = {
    "PL": ("CBSP", "KGP", "KAS", "CLKP"),
    "NL": ("Politie", "FIOD", "Douane", "NFI"),
    "IT": ("DCSA", "Guardia di Finanza", "Carabinieri RaCIS", "Agenzia Dogane"),
    "DE": ("BKA", "Zoll"),
    "BE": ("Federale Politie", "NICC"),
    "CZ": ("NPC", "Celni sprava"),
    "ES": ("Guardia Civil", "Policia Nacional"),
}
"""Agencies per country: police, customs, financial police and forensic laboratories."""

PLACES = {
    "PL": (("Warszawa", 52.2297, 21.0122), ("Krakow", 50.0647, 19.9450), ("Lodz", 51.7592, 19.4560),
           ("Wroclaw", 51.1079, 17.0385), ("Poznan", 52.4064, 16.9252), ("Gdansk", 54.3520, 18.6466),
           ("Szczecin", 53.4285, 14.5528), ("Katowice", 50.2649, 19.0238), ("Bialystok", 53.1325, 23.1688),
           ("Terespol", 52.0750, 23.6160), ("Swiecko", 52.3140, 14.6180)),
    "NL": (("Amsterdam", 52.3676, 4.9041), ("Rotterdam", 51.9244, 4.4777), ("Eindhoven", 51.4416, 5.4697),
           ("Tilburg", 51.5555, 5.0913), ("Breda", 51.5719, 4.7683), ("Venlo", 51.3704, 6.1724),
           ("Utrecht", 52.0907, 5.1214), ("Maastricht", 50.8514, 5.6910), ("Den Haag", 52.0705, 4.3007)),
    "IT": (("Roma", 41.9028, 12.4964), ("Milano", 45.4642, 9.1900), ("Napoli", 40.8518, 14.2681),
           ("Torino", 45.0703, 7.6869), ("Palermo", 38.1157, 13.3615), ("Genova", 44.4056, 8.9463),
           ("Bologna", 44.4949, 11.3426), ("Bari", 41.1171, 16.8719), ("Gioia Tauro", 38.4260, 15.8990),
           ("Livorno", 43.5485, 10.3106)),
    "DE": (("Berlin", 52.5200, 13.4050), ("Hamburg", 53.5511, 9.9937), ("Koeln", 50.9375, 6.9603),
           ("Frankfurt", 50.1109, 8.6821)),
    "BE": (("Antwerpen", 51.2194, 4.4025), ("Bruxelles", 50.8503, 4.3517), ("Liege", 50.6326, 5.5797)),
    "CZ": (("Praha", 50.0755, 14.4378), ("Brno", 49.1951, 16.6068), ("Ostrava", 49.8209, 18.2625)),
    "ES": (("Madrid", 40.4168, -3.7038), ("Barcelona", 41.3874, 2.1686), ("Algeciras", 36.1408, -5.4562),
           ("Valencia", 39.4699, -0.3763)),
}
"""Places per country with their coordinates; records scatter a few kilometres around them."""

SITE_COUNTRY_WEIGHTS = {"NL": 0.45, "BE": 0.15, "PL": 0.25, "CZ": 0.05, "DE": 0.05, "IT": 0.05}
"""Where production sites are found (synthetic drug production concentrates in NL/BE and PL)."""

PROFILED_DRUGS = {
    # library id: (share of profiled seizures, usual forms, synthesis routes)
    "amfetamine": (0.48, ("powder", "paste"), ("Leuckart", "reductive amination", "nitrostyrene")),
    "mdma": (0.37, ("tablet", "crystal", "powder"), ("reductive amination", "Leuckart")),
    "metamfetamine": (0.15, ("crystal", "powder"), ("reductive amination", "Nagai", "Leuckart")),
}
"""Drugs whose samples carry an impurity profile (one batch = one synthesis)."""

OTHER_DRUGS = {
    # library id: (weight, forms)
    "cocaine": (0.30, ("powder",)),
    "heroin": (0.12, ("powder",)),
    "delta-9-thc": (0.22, ("plant", "resin")),
    "ketamine": (0.06, ("powder", "crystal")),
    "mephedrone": (0.05, ("powder", "crystal")),
    "3-mmc": (0.06, ("crystal", "powder")),
    "4-cmc": (0.03, ("crystal",)),
    "alpha-pvp": (0.03, ("crystal",)),
    "n-ethylpentedrone": (0.02, ("crystal",)),
    "2c-b": (0.03, ("tablet", "powder", "capsule")),
    "lsd": (0.02, ("blotter",)),
    "bromazolam": (0.02, ("tablet",)),
    "protonitazene": (0.01, ("powder",)),
    "isotonitazene": (0.01, ("powder",)),
    "gbl": (0.02, ("liquid",)),
}
"""Drugs seized without an impurity profile in the demo."""

EMERGENCE = {
    # library id: (first seizure anywhere, days until it reaches each country; others: 240)
    "3-mmc": ("2020-03-01", {"NL": 0, "PL": 90, "DE": 150, "BE": 60, "IT": 330}),
    "bromazolam": ("2021-06-01", {"NL": 30, "PL": 0, "IT": 240, "DE": 120}),
    "protonitazene": ("2022-09-01", {"NL": 0, "IT": 90, "PL": 200, "BE": 60}),
    "isotonitazene": ("2020-11-01", {"IT": 0, "NL": 60, "PL": 180}),
    "n-ethylpentedrone": ("2019-01-01", {"PL": 0, "NL": 200, "IT": 260}),
    "4-cmc": ("2019-09-01", {"PL": 0, "CZ": 30, "NL": 150, "IT": 300}),
}
"""New psychoactive substances that appear during the period: first somewhere, then spreading to the
other countries, with seizures becoming more frequent after they arrive (what early warning looks for)."""

CUTTING_AGENTS_OR_SECOND = ("ketamine", "mephedrone", "amfetamine", "cocaine")
"""Drugs that turn up as the second substance of a mixed seizure."""

PRECURSORS = {"amfetamine": ("1-phenyl-2-propanone",), "metamfetamine": ("1-phenyl-2-propanone",),
              "mdma": ("3-4-mdp-2-p", "safrole")}
"""Library ids of the precursors found at a site that makes each drug."""

EQUIPMENT = ("reaction vessel 100 l", "reaction vessel 300 l", "distillation column", "vacuum pump",
             "condenser", "hydrogenation reactor", "tablet press", "centrifuge", "heating mantle",
             "rotary evaporator", "drying oven", "gas cylinders", "pH meter", "pellet press", "filter press")
WASTE = ("acidic aqueous waste", "solvent drums", "contaminated filters", "caustic soda residues",
         "formamide residues", "aluminium sludge", "empty precursor barrels", "spent catalyst")
SITE_CHEMICALS = ("sodium hydroxide", "hydrochloric acid", "sulfuric acid", "formamide", "formic acid",
                  "methylamine", "aluminium foil", "mercury(II) chloride", "acetone", "toluene", "methanol",
                  "isopropanol", "hydrogen", "palladium on carbon", "sodium borohydride")

LOGOS = ("Tesla", "Rolex", "Superman", "Heineken", "Punisher", "Philipp Plein", "Red Bull", "Bugatti", "Domino",
         "Mitsubishi", "WhatsApp", "Instagram", "Pink Panther", "Skull", "Bitcoin", "Lego", "Netflix", "Ferrari",
         "Louis Vuitton", "Playstation", "Minion", "Batman", "Donkey Kong", "Transformers", "Chupa Chups",
         "UPS", "Star", "Heart", "Crown", "Dolphin")
COLOURS = ("pink", "blue", "orange", "yellow", "green", "white", "purple", "red", "grey", "brown")
COLOUR_VARIANTS = {"pink": ("rose", "light pink"), "blue": ("light blue", "azure"), "orange": ("orange-red",),
                   "yellow": ("pale yellow",), "green": ("light green",), "white": ("off-white",),
                   "purple": ("violet",), "red": ("dark red",), "grey": ("gray",), "brown": ("beige",)}
SHAPES = ("round", "round", "round", "shaped", "rectangular", "triangular")
SCORE_LINES = ("none", "none", "none", "single", "cross")

# --- people -------------------------------------------------------------------------------------------------

FIRST_NAMES = {
    "PL": ("Łukasz", "Paweł", "Krzysztof", "Michał", "Tomasz", "Piotr", "Grzegorz", "Wojciech", "Mateusz",
           "Jarosław", "Przemysław", "Zbigniew", "Andrzej", "Marcin", "Kamil", "Agnieszka", "Małgorzata",
           "Katarzyna", "Joanna", "Elżbieta", "Dorota", "Aleksander", "Jędrzej", "Bartłomiej", "Sławomir"),
    "IT": ("Giuseppe", "Giovanni", "Antonio", "Francesco", "Salvatore", "Luca", "Marco", "Alessandro",
           "Vincenzo", "Domenico", "Raffaele", "Gennaro", "Pasquale", "Carmine", "Niccolò", "Maria", "Giulia",
           "Francesca", "Rosaria", "Anna", "Nicolò", "Fabrizio", "Massimo", "Ciro", "Gaetano"),
    "NL": ("Jan", "Johannes", "Pieter", "Hendrik", "Cornelis", "Willem", "Dirk", "Gerrit", "Bram", "Sven",
           "Thijs", "Ruud", "Joris", "Mohamed", "Youssef", "Anouk", "Sanne", "Fleur", "Eline", "Mustafa",
           "Bayram", "Gijs", "Teun", "Kees", "Ruben"),
    "DE": ("Jürgen", "Stefan", "Thomas", "Michael", "Andreas", "Jörg", "Günther", "Uwe", "Sabine", "Björn"),
    "BE": ("Jens", "Wouter", "Koen", "Stijn", "Pieter-Jan", "François", "Lotte", "Nathalie"),
    "CZ": ("Jiří", "Petr", "Tomáš", "Jan", "Lukáš", "Zdeněk", "Miroslav", "Věra"),
    "ES": ("José", "Antonio", "Manuel", "Francisco", "Javier", "Jesús", "Iñaki", "María"),
    "AL": ("Arben", "Besnik", "Dritan", "Ermal", "Gëzim", "Ilir", "Klodian", "Fatmir"),
}
LAST_NAMES = {
    "PL": ("Nowak", "Kowalski", "Wiśniewski", "Wójcik", "Kowalczyk", "Kamiński", "Lewandowski", "Zieliński",
           "Szymański", "Woźniak", "Dąbrowski", "Kozłowski", "Jankowski", "Mazur", "Krawczyk", "Piątek",
           "Grabowski", "Pawłowski", "Michalski", "Król", "Wieczorek", "Jabłoński", "Wróbel", "Nowakowski",
           "Majewski", "Olszewski", "Stępień", "Malinowski", "Jaworski", "Adamczyk", "Górski", "Sikora",
           "Walczak", "Baran", "Rutkowski", "Michalak", "Szewczyk", "Ostrowski", "Tomaszewski", "Pietrzak"),
    "IT": ("Rossi", "Russo", "Ferrari", "Esposito", "Bianchi", "Romano", "Colombo", "Ricci", "Marino", "Greco",
           "Bruno", "Gallo", "Conti", "De Luca", "Mancini", "Costa", "Giordano", "Rizzo", "Lombardi", "Moretti",
           "Barbieri", "Fontana", "Santoro", "Mariani", "Rinaldi", "Caruso", "Ferrara", "Galli", "Martini",
           "Leone", "Longo", "Gentile", "Martinelli", "Vitale", "Lombardo", "Serra", "Coppola", "De Santis",
           "D'Angelo", "Morabito"),
    "NL": ("de Jong", "Jansen", "de Vries", "van den Berg", "van Dijk", "Bakker", "Janssen", "Visser", "Smit",
           "Meijer", "de Boer", "Mulder", "de Groot", "Bos", "Vos", "Peters", "Hendriks", "van Leeuwen",
           "Dekker", "Brouwer", "de Wit", "Dijkstra", "Smits", "de Graaf", "van der Meer", "van der Linden",
           "Kok", "Jacobs", "de Haan", "Vermeulen", "van den Heuvel", "van der Veen", "van den Broek",
           "El Amrani", "Bouzid", "Yilmaz", "Öztürk", "Kaya", "El Idrissi", "Benali"),
    "DE": ("Müller", "Schmidt", "Schneider", "Fischer", "Weiß", "Meyer", "Wagner", "Becker", "Schäfer", "Koch"),
    "BE": ("Peeters", "Janssens", "Maes", "Jacobs", "Mertens", "Willems", "Claes", "Goossens", "Dubois",
           "Lambert"),
    "CZ": ("Novák", "Svoboda", "Novotný", "Dvořák", "Černý", "Procházka", "Kučera", "Veselý"),
    "ES": ("García", "Rodríguez", "González", "Fernández", "López", "Martínez", "Sánchez", "Pérez"),
    "AL": ("Hoxha", "Shehu", "Krasniqi", "Gashi", "Berisha", "Kola", "Dervishi", "Çela"),
}
NATIONALITY_WEIGHTS = {"PL": 0.28, "NL": 0.27, "IT": 0.25, "DE": 0.05, "BE": 0.04, "CZ": 0.03, "ES": 0.03,
                       "AL": 0.05}

NICKNAMES = {
    "Łukasz": ("Łukaszek",), "Paweł": ("Pawełek",), "Krzysztof": ("Krzysiek", "Krzyś"), "Michał": ("Misiek",),
    "Tomasz": ("Tomek",), "Piotr": ("Piotrek",), "Grzegorz": ("Grzesiek", "Grześ"), "Wojciech": ("Wojtek",),
    "Mateusz": ("Mati",), "Jarosław": ("Jarek",), "Przemysław": ("Przemek",), "Zbigniew": ("Zbyszek",),
    "Andrzej": ("Jędrek",), "Marcin": ("Marcinek",), "Agnieszka": ("Aga",), "Małgorzata": ("Gosia", "Małgosia"),
    "Katarzyna": ("Kasia",), "Joanna": ("Asia",), "Elżbieta": ("Ela",), "Aleksander": ("Olek", "Alek"),
    "Bartłomiej": ("Bartek",), "Sławomir": ("Sławek",),
    "Giuseppe": ("Peppe", "Beppe", "Pino"), "Giovanni": ("Gianni", "Nino"), "Antonio": ("Totò", "Tonino"),
    "Francesco": ("Ciccio", "Franco"), "Salvatore": ("Totò", "Turi"), "Alessandro": ("Sandro", "Ale"),
    "Vincenzo": ("Enzo",), "Domenico": ("Mimmo",), "Raffaele": ("Lello",), "Gennaro": ("Rino",),
    "Pasquale": ("Lino",), "Gaetano": ("Tano",), "Massimo": ("Max",), "Rosaria": ("Rosi",),
    "Johannes": ("Hans", "Jan"), "Pieter": ("Piet",), "Hendrik": ("Henk",), "Cornelis": ("Kees", "Cor"),
    "Willem": ("Wim",), "Gerrit": ("Gert",), "Mohamed": ("Mo",), "Youssef": ("Joep",),
    "Jürgen": ("Jupp",), "Thomas": ("Tom",), "Michael": ("Micha",), "Jiří": ("Jirka",), "Tomáš": ("Tom",),
    "José": ("Pepe",), "Francisco": ("Paco",), "Manuel": ("Manolo",),
}
"""Given names and the short forms that end up in other agencies' records."""

STREETS = {"PL": ("ul. Marszałkowska", "ul. Piotrkowska", "ul. Długa", "ul. Kościuszki", "ul. Słowackiego"),
           "IT": ("Via Roma", "Via Garibaldi", "Corso Vittorio Emanuele", "Via Mazzini", "Via Nazionale"),
           "NL": ("Hoofdstraat", "Kerkstraat", "Molenweg", "Stationsplein", "Dorpsstraat"),
           "DE": ("Hauptstraße", "Bahnhofstraße", "Schulstraße"), "BE": ("Kerkstraat", "Rue de la Gare"),
           "CZ": ("Národní", "Husova"), "ES": ("Calle Mayor", "Calle Real"), "AL": ("Rruga e Durrësit",)}

PHONE_PREFIX = {"PL": "48", "IT": "39", "NL": "31", "DE": "49", "BE": "32", "CZ": "420", "ES": "34", "AL": "355"}
"""International calling codes (mobile numbers are drawn in each country's own numbering plan)."""

COMPANY_WORDS = ("Trans", "Logistic", "Chem", "Agro", "Import-Export", "Trade", "Cargo", "Pharma", "Bio", "Euro",
                 "Nord", "Sud", "Global", "Delta", "Alfa", "Polar", "Orion", "Vega")
COMPANY_FORMS = {"PL": ("Sp. z o.o.", "S.A."), "IT": ("S.r.l.", "S.p.A."), "NL": ("B.V.", "N.V."),
                 "DE": ("GmbH",), "BE": ("BV", "SRL"), "CZ": ("s.r.o.",), "ES": ("S.L.",), "AL": ("sh.p.k.",)}

BANK_CODES = {"PL": ("10901014", "10201026", "11402004", "12401037"),
              "IT": ("0306909606", "0200805351", "0503401633"),
              "NL": ("ABNA", "INGB", "RABO", "TRIO", "BUNQ"),
              "DE": ("37040044", "50010517"), "BE": ("001", "310", "068"), "CZ": ("0800", "0100"),
              "ES": ("21000418", "00491500"), "AL": ("20211022",)}
"""Bank identifiers used to build IBANs (national formats; the check digits are computed)."""

# --- impurity profiling --------------------------------------------------------------------------------------

AMPHETAMINE_TARGETS = (
    "1-phenyl-2-propanone", "1-phenyl-2-propanol", "benzyl methyl ketoxime", "N-formylamphetamine",
    "N-acetylamphetamine", "N-methylamphetamine", "4-methyl-5-phenylpyrimidine", "4-benzylpyrimidine",
    "4-methyl-5-phenylpyrimidine-2-one", "N,N-di(beta-phenylisopropyl)amine (DPIA), isomer 1",
    "N,N-di(beta-phenylisopropyl)amine (DPIA), isomer 2", "N,N-di(beta-phenylisopropyl)methylamine",
    "N-(beta-phenylisopropyl)benzaldimine", "N-benzoylamphetamine", "N-benzylamphetamine",
    "alpha,alpha'-dimethyldiphenethylamine", "1,3-diphenyl-2-methylaminopropane", "dibenzyl ketone",
    "2,6-dimethyl-3,5-diphenylpyridine", "2,4-dimethyl-3,5-diphenylpyridine", "2-methyl-3-phenylnaphthalene",
    "1-benzyl-3-methylnaphthalene", "1,3-dimethyl-2-phenylnaphthalene", "N-cyanomethylamphetamine",
    "phenylacetic acid", "benzaldehyde", "3-methyl-2,4-diphenylpyridine", "N-(1-phenylpropan-2-yl)acetamide",
    "4-methyl-2,5-diphenylpyridine", "2-phenylethylamine",
)
"""Thirty target impurities of an amphetamine-type GC-MS profile (Leuckart, reductive amination and
nitrostyrene markers), after the harmonised CHAMP/SMT target lists; used for amphetamine and
methamphetamine."""

MDMA_TARGETS = (
    "3,4-methylenedioxyphenyl-2-propanone (PMK)", "3,4-methylenedioxyphenyl-2-propanol", "piperonal",
    "safrole", "isosafrole (cis)", "isosafrole (trans)", "3,4-methylenedioxyamphetamine (MDA)",
    "N-formyl-MDMA", "N-formyl-MDA", "N-acetyl-MDMA", "N-methyl-MDMA (MDDMA)", "N-ethyl-MDA (MDEA)",
    "3,4-methylenedioxybenzyl methyl ketoxime", "4-methyl-5-(3,4-methylenedioxyphenyl)pyrimidine",
    "N,N-di(3,4-methylenedioxyphenylisopropyl)amine", "N,N-di(3,4-methylenedioxyphenylisopropyl)methylamine",
    "1-(3,4-methylenedioxyphenyl)-2-propanone oxime", "3,4-methylenedioxyphenylacetone dimer",
    "2-methyl-3-(3,4-methylenedioxyphenyl)naphthalene", "piperonyl alcohol", "piperonylic acid",
    "3,4-methylenedioxytoluene", "1,2-methylenedioxybenzene", "catechol", "methyl piperonyl ketone enol ether",
    "N-cyanomethyl-MDMA", "3,4-methylenedioxyphenyl-2-nitropropene", "N-methylpiperonylamine",
    "3,4-(methylenedioxy)phenyl-2-butanone", "MDMA dimer (imine)",
)
"""Thirty target impurities of an MDMA GC-MS profile (PMK, safrole and isosafrole routes)."""

TARGET_SETS = {"ATS-GCMS-30": AMPHETAMINE_TARGETS, "MDMA-GCMS-30": MDMA_TARGETS}
TARGET_SET_OF = {"amfetamine": "ATS-GCMS-30", "metamfetamine": "ATS-GCMS-30", "mdma": "MDMA-GCMS-30"}
