"""Static demo vocabulary: skills, work-order types, equipment, site kinds, people, phrases.

Everything here is plain data; `world` and `history` draw from it with a seeded Random, so the
order of every tuple matters for determinism — append, do not reorder.
"""

from __future__ import annotations

from typing import NamedTuple

SKILLS: tuple[tuple[str, str], ...] = (
    ("hvac", "HVAC"), ("electrical", "Electrical"), ("plumbing", "Plumbing & heating"),
    ("elevators", "Elevators"), ("fire_safety", "Fire safety"),
    ("refrigeration", "Refrigeration"), ("generators", "Generators"),
)

# Types with their custom fields. Values are filled on completion, so none is required at intake.
WORK_ORDER_TYPES: tuple[dict, ...] = (
    {"code": "repair", "name": "Repair", "default_duration_min": 90,
     "completion_requirements": {"resolution_notes": True},
     "custom_fields": [
         {"name": "fault_code", "label": "Fault code", "type": "string", "max_length": 32},
         {"name": "under_warranty", "label": "Under warranty", "type": "boolean"}]},
    {"code": "installation", "name": "Installation", "default_duration_min": 240,
     "completion_requirements": {},
     "custom_fields": [
         {"name": "commissioning_date", "label": "Commissioning date", "type": "date"},
         {"name": "equipment_model", "label": "Installed model", "type": "string",
          "max_length": 120}]},
    {"code": "inspection", "name": "Inspection", "default_duration_min": 60,
     "completion_requirements": {},
     "custom_fields": [
         {"name": "result", "label": "Result", "type": "enum", "options": ["pass", "fail"]},
         {"name": "reading_bar", "label": "Pressure reading (bar)", "type": "number",
          "min": 0, "max": 40}]},
    {"code": "preventive", "name": "Preventive maintenance", "default_duration_min": 120,
     "completion_requirements": {},
     "custom_fields": [
         {"name": "meter_hours", "label": "Running hours", "type": "integer", "min": 0},
         {"name": "filters_replaced", "label": "Filters replaced", "type": "boolean"}]},
)
TYPE_WEIGHTS = {"repair": 45, "preventive": 25, "inspection": 18, "installation": 12}
WORK_MINUTES = {"repair": (30, 240), "installation": (120, 240), "inspection": (30, 90),
                "preventive": (60, 180)}


class Equipment(NamedTuple):
    label: str
    skill: str
    models: tuple[tuple[str, str], ...]   # (manufacturer, model)
    faults: tuple[str, ...]


EQUIPMENT: dict[str, Equipment] = {
    "chiller": Equipment("Chiller", "refrigeration", (
        ("Carrier", "AquaSnap 30RB"), ("Trane", "CGAM"), ("Daikin", "EWAD-TZ"), ("York", "YLAA")),
        ("Chiller tripping on high pressure", "Chiller not reaching set point",
         "Compressor short-cycling")),
    "cold_room": Equipment("Cold room", "refrigeration", (
        ("Bitzer", "Ecostar LHV5E"), ("Tecumseh", "Silensys AJ"), ("Danfoss", "Optyma Plus")),
        ("Cold room temperature too high", "Ice build-up on the evaporator",
         "Cold room door alarm")),
    "boiler": Equipment("Boiler", "plumbing", (
        ("Viessmann", "Vitocrossal 300"), ("De Dietrich", "C 330 ECO"), ("Atlantic", "Varmax"),
        ("Buderus", "Logano plus KB372")),
        ("Boiler in lockout, no heating", "Boiler pressure dropping", "Burner ignition fault")),
    "booster_pump": Equipment("Booster pump set", "plumbing", (
        ("Grundfos", "Hydro MPC-E"), ("Wilo", "SiBoost Smart"), ("KSB", "Hya-Solo D")),
        ("Low water pressure on upper floors", "Pump set leaking", "Pump running continuously")),
    "hvac_unit": Equipment("Air handling unit", "hvac", (
        ("Carrier", "39CP"), ("Daikin", "Modular L"), ("Lennox", "e-Baltic"),
        ("Systemair", "Topvex")),
        ("Air handling unit fan noisy", "No fresh air in the offices", "Rooftop unit not heating")),
    "elevator": Equipment("Elevator", "elevators", (
        ("Otis", "Gen2 Life"), ("Schindler", "3300"), ("Kone", "MonoSpace 500"),
        ("TK Elevator", "evolution")),
        ("Elevator stuck between floors", "Lift doors not closing", "Elevator levelling fault")),
    "fire_panel": Equipment("Fire alarm panel", "fire_safety", (
        ("Siemens", "Cerberus PRO FC724"), ("Honeywell", "Esser IQ8Control"), ("DEF", "Ecodef"),
        ("Finsécur", "Cosmos")),
        ("Fire panel showing a zone fault", "False alarms on detection loop 2",
         "Fire panel battery fault")),
    "generator": Equipment("Standby generator", "generators", (
        ("SDMO", "J165K"), ("Cummins", "C170 D5"), ("Caterpillar", "DE220E0"),
        ("Himoinsa", "HFW-200 T5")),
        ("Generator failed its weekly test start", "Generator coolant leak",
         "Transfer switch not switching back")),
    "switchboard": Equipment("Main switchboard", "electrical", (
        ("Schneider Electric", "Prisma P"), ("Legrand", "XL3 4000"), ("ABB", "ArTu K")),
        ("Breaker tripping on the main switchboard", "Hot spot found on a busbar",
         "Partial power loss on floor 2")),
    "ups": Equipment("UPS", "electrical", (
        ("APC", "Galaxy VS"), ("Eaton", "93PM"), ("Socomec", "Masterys GP4")),
        ("UPS running on bypass", "UPS battery alarm", "UPS overload alarm")),
}
ASSET_PLACES = ("basement plant room", "roof", "ground floor", "car park level -1", "east wing",
                "technical room", "loading bay", "staff entrance")


class SiteKind(NamedTuple):
    pattern: str                  # {name} and {commune} are filled in
    names: str                    # which name list fills {name}
    equipment: tuple[str, ...]
    customer: str                 # customer name pattern for owners of mostly this kind


SITE_KINDS: tuple[SiteKind, ...] = (
    SiteKind("Boulangerie {name}", "surnames", ("cold_room", "hvac_unit", "switchboard"),
             "Boulangeries {name}"),
    SiteKind("Clinique {name}", "clinics", ("chiller", "boiler", "elevator", "fire_panel",
                                            "generator", "ups"), "Groupe Santé {name}"),
    SiteKind("Lycée {name}", "people", ("boiler", "fire_panel", "hvac_unit", "elevator"),
             "Lycées {name} Services"),
    SiteKind("Collège {name}", "people", ("boiler", "fire_panel", "booster_pump"),
             "Éducation {name} Patrimoine"),
    SiteKind("Entrepôt {commune}", "surnames", ("cold_room", "generator", "switchboard",
                                                "fire_panel", "hvac_unit"),
             "{name} Logistique"),
    SiteKind("Hôtel {name}", "hotels", ("boiler", "elevator", "chiller", "fire_panel",
                                        "booster_pump"), "Hôtels {name}"),
    SiteKind("Résidence {name}", "hotels", ("boiler", "elevator", "booster_pump", "fire_panel"),
             "{name} Habitat"),
    SiteKind("Supermarché {name}", "surnames", ("cold_room", "chiller", "hvac_unit",
                                                "generator", "switchboard"),
             "Distribution {name}"),
    SiteKind("Bureaux {name}", "hotels", ("chiller", "hvac_unit", "elevator", "ups",
                                          "switchboard", "fire_panel"), "SCI {name}"),
    SiteKind("EHPAD {name}", "hotels", ("boiler", "elevator", "fire_panel", "generator"),
             "Résidences Seniors {name}"),
    SiteKind("Restaurant {name}", "surnames", ("cold_room", "hvac_unit"), "Brasseries {name}"),
    SiteKind("Data center {commune}", "surnames", ("chiller", "ups", "generator", "switchboard",
                                                   "fire_panel"), "{name} Datacenters"),
)
NAMES: dict[str, tuple[str, ...]] = {
    "surnames": ("Martin", "Bernard", "Dubois", "Thomas", "Robert", "Richard", "Petit",
                 "Durand", "Leroy", "Moreau", "Simon", "Laurent", "Lefebvre", "Michel",
                 "Garcia", "David", "Bertrand", "Roux", "Vincent", "Fournier", "Morel",
                 "Girard", "André", "Mercier", "Dupont", "Lambert", "Bonnet", "François",
                 "Martinez", "Legrand", "Garnier", "Faure", "Rousseau", "Blanc", "Guérin",
                 "Muller", "Henry", "Roussel", "Nicolas", "Perrin", "Morin", "Mathieu",
                 "Clément", "Gauthier", "Dumont", "Lopez", "Fontaine", "Chevalier", "Robin",
                 "Masson", "Sanchez", "Benali", "Nguyen", "Da Silva", "Haddad", "Brun"),
    "first": ("Camille", "Lucas", "Léa", "Hugo", "Chloé", "Louis", "Manon", "Nathan", "Inès",
              "Julien", "Sarah", "Thomas", "Emma", "Antoine", "Clara", "Maxime", "Laura",
              "Nicolas", "Pauline", "Romain", "Julie", "Mehdi", "Céline", "Yanis", "Amandine",
              "Kevin", "Sophie", "Alexandre", "Élodie", "Sébastien", "Nadia", "Florian",
              "Marion", "Rachid", "Aurélie", "Guillaume", "Mathilde", "Olivier", "Fatima",
              "Damien", "Anaïs", "Vincent"),
    "people": ("Ampère", "Jean Moulin", "Victor Hugo", "Marie Curie", "Louis Lumière",
               "Saint-Exupéry", "Simone Veil", "Jules Ferry", "Claude Bernard",
               "Édouard Herriot", "Juliette Récamier", "Jean Macé", "Germaine Tillion",
               "Lucie Aubrac", "Albert Camus", "Paul Bert"),
    "clinics": ("Saint-Joseph", "Sainte-Anne", "du Parc", "des Portes du Sud", "Saint-Louis",
                "de la Sauvegarde", "du Val d'Ouest", "des Monts d'Or", "Saint-Vincent",
                "Émilie de Vialar"),
    "hotels": ("du Rhône", "de la Saône", "Bellecour", "Part-Dieu", "les Terrasses", "Confluence",
               "le Belvédère", "les Tilleuls", "Fourvière", "Tête d'Or", "les Érables",
               "Le Lumière", "Croix-Rousse", "les Acacias", "Gerland", "Montchat"),
}

PRIORITY_WEIGHTS = {"low": 15, "normal": 55, "high": 22, "urgent": 8}
# Minutes from intake to assignment, by priority: how fast a dispatcher reacts.
RESPONSE_MINUTES = {"urgent": (5, 30), "high": (10, 120), "normal": (20, 600),
                    "low": (60, 1440)}
# Minutes from assignment to the visit being sent to the technician's device...
LEAD_MINUTES = {"urgent": (3, 15), "high": (15, 240), "normal": (60, 1080),
                "low": (720, 4320)}
# ...and from then to setting off (a day's first job leaves in the morning: working hours).
SET_OFF_MINUTES = {"urgent": (3, 20), "high": (15, 120), "normal": (30, 900),
                   "low": (30, 900)}

GENERIC_FAULTS: dict[str, tuple[str, ...]] = {
    "hvac": ("Offices too hot on the south side", "Ventilation noisy in the meeting room"),
    "electrical": ("Lighting circuit tripping in the car park", "Sockets dead in the kitchen"),
    "plumbing": ("Water leak in the basement", "No hot water in the changing rooms"),
    "elevators": ("Lift emergency phone not working",),
    "fire_safety": ("Emergency lighting test failed", "Smoke detector beeping in corridor B"),
    "refrigeration": ("Display fridge not cold enough",),
    "generators": ("Generator fuel level alarm",),
}
SITE_NOTES = ("Ask for the caretaker at reception.", "Badge required at the loading bay.",
              "Site open 7:30-18:00; park in the visitors' car park.",
              "Plant room key held by security.", "Call the site manager 15 minutes before.",
              "Access through the courtyard, code given by phone.")
SOURCES = ("app", "email", "api", "qr_code", "email", "app")

REASSIGN_REASONS = ("technician on sick leave", "closer technician available",
                    "rebalanced the day's workload", "needs a higher skill level")
CANCEL_REASONS = ("duplicate of an existing request", "customer cancelled the visit",
                  "issue fixed by the customer", "raised in error")
HOLD_REASONS = ("waiting for spare parts", "customer asked to come back later",
                "plant room not accessible today", "needs a second technician")
CANNOT_COMPLETE_REASONS = ("customer absent on arrival", "access refused by site security",
                           "part obsolete, quotation needed",
                           "equipment replaced by another contractor")
REOPEN_REASONS = ("customer reports the fault is back", "review found the report incomplete")
RESOLUTIONS: dict[str, tuple[str, ...]] = {
    "repair": ("Replaced the faulty pressure switch; tested over two cycles, OK.",
               "Cleaned the condenser coil, reset the alarm; running normally.",
               "Tightened a loose terminal and replaced the contactor.",
               "Replaced the circulation pump seal; no more leak.",
               "Reprogrammed the controller after a firmware fault; customer informed.",
               "Replaced the door operator belt; 20 test runs without fault."),
    "installation": ("Installed and commissioned; customer trained on the controls.",
                     "Replacement unit installed, old unit removed for recycling."),
    "inspection": ("Inspection done; readings within the manufacturer's limits.",
                   "Inspection done; recommend replacing worn parts at the next service."),
    "preventive": ("Quarterly service done: filters, belts, cleaning, safety checks.",
                   "Service done as per the maintenance plan; no anomaly found."),
}
DISPATCHER_NOTES = ("the customer asks you to call 15 minutes before arriving.",
                    "the site manager will meet you at the loading bay.",
                    "bring the spare controller board from the warehouse.")
TECH_NOTES = ("part ordered, the supplier promises delivery within 3 days.",
              "the unit is past its service life; worth quoting a replacement.",
              "please add this asset to the preventive maintenance plan.")
