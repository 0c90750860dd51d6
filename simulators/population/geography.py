"""Places for synthetic people: departments, INSEE commune codes, countries, funds.

Conventions (synthetic, format-valid, documented here once):

- Departments are the 96 metropolitan ones (01-95 with 2A/2B instead of 20) and five
  overseas departments (971, 972, 973, 974, 976), each with a rough population in
  thousands used as a weight when drawing birthplaces and residences.
- A commune's INSEE code is the department code followed by a commune number: three
  digits in metropolitan France (001-400 drawn; Paris uses its arrondissements 101-120),
  two digits overseas (01 to the real number of communes). The numbers are synthetic: the
  code is valid in shape, not necessarily an existing commune.
- People born abroad have birthplace ``99`` + a 3-digit INSEE country code (``99350``
  Morocco); the NIR carries the same five characters.
- The general-regime fund attached to a department is its CPAM (CGSS overseas, CSS in
  Mayotte). Its 3-digit code is the department code followed by ``1`` (``751`` CPAM de
  Paris), ``201``/``202`` for Corse-du-Sud/Haute-Corse, and the department code itself
  overseas (``974`` CGSS de La Réunion). Real départements with several CPAMs (Nord,
  Bouches-du-Rhône...) get one here.
"""

from __future__ import annotations

from typing import NamedTuple


class Department(NamedTuple):
    """A French department: INSEE code, name, grammatical article, rough population."""

    code: str
    name: str
    article: str  # "l'", "la", "le", "les" or "" (used to write "de l'Ain", "du Nord")
    population_k: int  # rough population in thousands, a drawing weight

    @property
    def of_name(self) -> str:
        """The name after "de": ``"de l'Ain"``, ``"du Nord"``, ``"des Landes"``."""
        prefix = {"l'": "de l'", "la": "de la ", "le": "du ", "les": "des "}.get(
            self.article, "de "
        )
        return f"{prefix}{self.name}"

    @property
    def overseas(self) -> bool:
        """True for the 97x departments."""
        return len(self.code) == 3

    @property
    def fund_code(self) -> str:
        """3-digit code of the general-regime fund of the department (see module doc)."""
        if self.overseas:
            return self.code
        return {"2A": "201", "2B": "202"}.get(self.code, f"{self.code}1")

    @property
    def fund_name(self) -> str:
        """Name of the general-regime fund: ``"CPAM de Paris"``, ``"CGSS de la Martinique"``."""
        kind = "CSS" if self.code == "976" else "CGSS" if self.overseas else "CPAM"
        return f"{kind} {self.of_name}"

    @property
    def commune_numbers(self) -> range:
        """Commune numbers drawn in this department (see module doc)."""
        if self.code == "75":
            return range(101, 121)
        return range(1, _OVERSEAS_COMMUNES.get(self.code, 400) + 1)

    def commune_code(self, number: int) -> str:
        """INSEE code of commune ``number`` of this department (5 characters)."""
        return f"{self.code}{number:0{5 - len(self.code)}d}"


_OVERSEAS_COMMUNES = {"971": 32, "972": 34, "973": 22, "974": 24, "976": 17}

_TABLE = """\
01 Ain l' 660|02 Aisne l' 530|03 Allier l' 335|04 Alpes-de-Haute-Provence les 165|
05 Hautes-Alpes les 140|06 Alpes-Maritimes les 1100|07 Ardèche l' 330|08 Ardennes les 270|
09 Ariège l' 155|10 Aube l' 310|11 Aude l' 375|12 Aveyron l' 280|
13 Bouches-du-Rhône les 2050|14 Calvados le 700|15 Cantal le 145|16 Charente la 350|
17 Charente-Maritime la 660|18 Cher le 300|19 Corrèze la 240|2A Corse-du-Sud la 160|
2B Haute-Corse la 180|21 Côte-d'Or la 535|22 Côtes-d'Armor les 600|23 Creuse la 115|
24 Dordogne la 415|25 Doubs le 545|26 Drôme la 520|27 Eure l' 600|28 Eure-et-Loir l' 430|
29 Finistère le 920|30 Gard le 750|31 Haute-Garonne la 1420|32 Gers le 190|
33 Gironde la 1650|34 Hérault l' 1200|35 Ille-et-Vilaine l' 1100|36 Indre l' 220|
37 Indre-et-Loire l' 610|38 Isère l' 1280|39 Jura le 260|40 Landes les 420|
41 Loir-et-Cher le 330|42 Loire la 765|43 Haute-Loire la 230|44 Loire-Atlantique la 1450|
45 Loiret le 680|46 Lot le 175|47 Lot-et-Garonne le 330|48 Lozère la 77|
49 Maine-et-Loire le 820|50 Manche la 495|51 Marne la 565|52 Haute-Marne la 170|
53 Mayenne la 305|54 Meurthe-et-Moselle la 730|55 Meuse la 185|56 Morbihan le 760|
57 Moselle la 1045|58 Nièvre la 200|59 Nord le 2610|60 Oise l' 830|61 Orne l' 280|
62 Pas-de-Calais le 1460|63 Puy-de-Dôme le 660|64 Pyrénées-Atlantiques les 690|
65 Hautes-Pyrénées les 230|66 Pyrénées-Orientales les 480|67 Bas-Rhin le 1140|
68 Haut-Rhin le 765|69 Rhône le 1880|70 Haute-Saône la 235|71 Saône-et-Loire la 550|
72 Sarthe la 565|73 Savoie la 440|74 Haute-Savoie la 830|75 Paris - 2150|
76 Seine-Maritime la 1250|77 Seine-et-Marne la 1420|78 Yvelines les 1450|
79 Deux-Sèvres les 375|80 Somme la 570|81 Tarn le 390|82 Tarn-et-Garonne le 260|
83 Var le 1080|84 Vaucluse le 560|85 Vendée la 690|86 Vienne la 440|
87 Haute-Vienne la 370|88 Vosges les 365|89 Yonne l' 335|90 Territoire_de_Belfort le 140|
91 Essonne l' 1300|92 Hauts-de-Seine les 1620|93 Seine-Saint-Denis la 1650|
94 Val-de-Marne le 1400|95 Val-d'Oise le 1250|971 Guadeloupe la 385|
972 Martinique la 360|973 Guyane la 285|974 La_Réunion - 870|976 Mayotte - 300"""


def _parse(table: str) -> tuple[Department, ...]:
    rows = (row.split() for row in table.replace("\n", "").split("|"))
    return tuple(
        Department(code, name.replace("_", " "), "" if article == "-" else article, int(pop))
        for code, name, article, pop in rows
    )


DEPARTMENTS: tuple[Department, ...] = _parse(_TABLE)
"""All departments, metropolitan then overseas, in INSEE order."""

BY_CODE: dict[str, Department] = {d.code: d for d in DEPARTMENTS}
"""Departments by INSEE code (``"75"``, ``"2A"``, ``"974"``)."""


class Country(NamedTuple):
    """A foreign country with its 3-digit INSEE code (the part after ``99``)."""

    code: str
    name: str
    weight: int  # relative frequency among synthetic people born abroad

    @property
    def birthplace(self) -> str:
        """The 5-character INSEE birthplace code: ``"99"`` + country code."""
        return f"99{self.code}"


COUNTRIES: tuple[Country, ...] = (
    Country("109", "Allemagne", 6),
    Country("127", "Italie", 6),
    Country("131", "Belgique", 5),
    Country("132", "Royaume-Uni", 4),
    Country("134", "Espagne", 6),
    Country("139", "Portugal", 12),
    Country("140", "Suisse", 3),
    Country("216", "Chine", 3),
    Country("326", "Côte d'Ivoire", 4),
    Country("341", "Sénégal", 4),
    Country("350", "Maroc", 18),
    Country("351", "Tunisie", 10),
    Country("352", "Algérie", 20),
    Country("401", "Canada", 1),
    Country("404", "États-Unis", 2),
)
"""Countries of birth for people born abroad, with weights."""
