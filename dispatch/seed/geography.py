"""Greater Lyon (Métropole de Lyon and its southern fringe): the demo organisation's territory.

Real communes and Lyon's arrondissements with approximate centre coordinates (WGS 84), postcodes,
a weight that spreads sites roughly like activity does (dense centre, industrial east and south),
and real street names. Coordinates are good to a few hundred metres: enough for a map, not a GPS.
"""

from __future__ import annotations

from typing import NamedTuple

TIMEZONE = "Europe/Paris"
# (min_lon, min_lat, max_lon, max_lat): every demo point lies inside; tests check it.
BBOX = (4.65, 45.55, 5.10, 45.95)


class Commune(NamedTuple):
    label: str      # "Lyon 3e", "Villeurbanne"
    city: str       # what goes on the address line
    postcode: str
    lat: float
    lon: float
    weight: int


COMMUNES: tuple[Commune, ...] = (
    Commune("Lyon 1er", "Lyon", "69001", 45.7695, 4.8300, 4),
    Commune("Lyon 2e", "Lyon", "69002", 45.7520, 4.8280, 5),
    Commune("Lyon 3e", "Lyon", "69003", 45.7597, 4.8496, 7),
    Commune("Lyon 4e", "Lyon", "69004", 45.7786, 4.8275, 3),
    Commune("Lyon 5e", "Lyon", "69005", 45.7580, 4.8050, 3),
    Commune("Lyon 6e", "Lyon", "69006", 45.7707, 4.8517, 5),
    Commune("Lyon 7e", "Lyon", "69007", 45.7400, 4.8400, 6),
    Commune("Lyon 8e", "Lyon", "69008", 45.7350, 4.8700, 5),
    Commune("Lyon 9e", "Lyon", "69009", 45.7740, 4.8060, 4),
    Commune("Villeurbanne", "Villeurbanne", "69100", 45.7667, 4.8803, 7),
    Commune("Vénissieux", "Vénissieux", "69200", 45.6975, 4.8867, 4),
    Commune("Vaulx-en-Velin", "Vaulx-en-Velin", "69120", 45.7786, 4.9194, 3),
    Commune("Bron", "Bron", "69500", 45.7389, 4.9133, 3),
    Commune("Saint-Priest", "Saint-Priest", "69800", 45.6967, 4.9447, 4),
    Commune("Caluire-et-Cuire", "Caluire-et-Cuire", "69300", 45.7953, 4.8469, 3),
    Commune("Rillieux-la-Pape", "Rillieux-la-Pape", "69140", 45.8214, 4.8983, 2),
    Commune("Meyzieu", "Meyzieu", "69330", 45.7667, 5.0036, 2),
    Commune("Décines-Charpieu", "Décines-Charpieu", "69150", 45.7694, 4.9589, 2),
    Commune("Oullins", "Oullins", "69600", 45.7142, 4.8072, 2),
    Commune("Pierre-Bénite", "Pierre-Bénite", "69310", 45.7036, 4.8244, 1),
    Commune("Saint-Fons", "Saint-Fons", "69190", 45.7089, 4.8531, 2),
    Commune("Saint-Genis-Laval", "Saint-Genis-Laval", "69230", 45.6953, 4.7931, 2),
    Commune("Sainte-Foy-lès-Lyon", "Sainte-Foy-lès-Lyon", "69110", 45.7339, 4.7931, 2),
    Commune("Tassin-la-Demi-Lune", "Tassin-la-Demi-Lune", "69160", 45.7639, 4.7797, 2),
    Commune("Écully", "Écully", "69130", 45.7744, 4.7775, 2),
    Commune("Champagne-au-Mont-d'Or", "Champagne-au-Mont-d'Or", "69410", 45.7947, 4.7906, 1),
    Commune("Dardilly", "Dardilly", "69570", 45.8056, 4.7528, 1),
    Commune("Limonest", "Limonest", "69760", 45.8367, 4.7711, 2),
    Commune("Francheville", "Francheville", "69340", 45.7367, 4.7636, 1),
    Commune("Craponne", "Craponne", "69290", 45.7453, 4.7236, 1),
    Commune("Chassieu", "Chassieu", "69680", 45.7381, 4.9664, 3),
    Commune("Mions", "Mions", "69780", 45.6631, 4.9533, 1),
    Commune("Corbas", "Corbas", "69960", 45.6681, 4.9022, 3),
    Commune("Feyzin", "Feyzin", "69320", 45.6728, 4.8575, 2),
    Commune("Irigny", "Irigny", "69540", 45.6731, 4.8225, 1),
    Commune("Vernaison", "Vernaison", "69390", 45.6472, 4.8114, 1),
    Commune("Givors", "Givors", "69700", 45.5906, 4.7689, 2),
    Commune("Grigny", "Grigny", "69520", 45.6086, 4.7897, 1),
    Commune("Solaize", "Solaize", "69360", 45.6397, 4.8394, 1),
    Commune("Charly", "Charly", "69390", 45.6489, 4.7936, 1),
    Commune("La Mulatière", "La Mulatière", "69350", 45.7272, 4.8122, 1),
    Commune("Neuville-sur-Saône", "Neuville-sur-Saône", "69250", 45.8764, 4.8411, 2),
    Commune("Fontaines-sur-Saône", "Fontaines-sur-Saône", "69270", 45.8356, 4.8456, 1),
    Commune("Sathonay-Camp", "Sathonay-Camp", "69580", 45.8247, 4.8742, 1),
    Commune("Sathonay-Village", "Sathonay-Village", "69580", 45.8356, 4.8828, 1),
    Commune("Fontaines-Saint-Martin", "Fontaines-Saint-Martin", "69270", 45.8456, 4.8536, 1),
    Commune("Rochetaillée-sur-Saône", "Rochetaillée-sur-Saône", "69270", 45.8433, 4.8383, 1),
    Commune("Collonges-au-Mont-d'Or", "Collonges-au-Mont-d'Or", "69660", 45.8203, 4.8442, 1),
    Commune("Saint-Didier-au-Mont-d'Or", "Saint-Didier-au-Mont-d'Or", "69370",
            45.8114, 4.7989, 1),
    Commune("Saint-Cyr-au-Mont-d'Or", "Saint-Cyr-au-Mont-d'Or", "69450", 45.8172, 4.8183, 1),
    Commune("Saint-Germain-au-Mont-d'Or", "Saint-Germain-au-Mont-d'Or", "69650",
            45.8842, 4.8025, 1),
    Commune("Saint-Romain-au-Mont-d'Or", "Saint-Romain-au-Mont-d'Or", "69270",
            45.8353, 4.8225, 1),
    Commune("Genay", "Genay", "69730", 45.8975, 4.8411, 1),
    Commune("Montanay", "Montanay", "69250", 45.8783, 4.8644, 1),
    Commune("Cailloux-sur-Fontaines", "Cailloux-sur-Fontaines", "69270", 45.8539, 4.8764, 1),
    Commune("Fleurieu-sur-Saône", "Fleurieu-sur-Saône", "69250", 45.8608, 4.8450, 1),
    Commune("Couzon-au-Mont-d'Or", "Couzon-au-Mont-d'Or", "69270", 45.8442, 4.8283, 1),
    Commune("Albigny-sur-Saône", "Albigny-sur-Saône", "69250", 45.8661, 4.8331, 1),
    Commune("Curis-au-Mont-d'Or", "Curis-au-Mont-d'Or", "69250", 45.8700, 4.8211, 1),
    Commune("Poleymieux-au-Mont-d'Or", "Poleymieux-au-Mont-d'Or", "69250", 45.8550, 4.8039, 1),
    Commune("Quincieux", "Quincieux", "69650", 45.9108, 4.7761, 1),
    Commune("Lissieu", "Lissieu", "69380", 45.8647, 4.7428, 1),
    Commune("La Tour-de-Salvagny", "La Tour-de-Salvagny", "69890", 45.8133, 4.7150, 1),
    Commune("Marcy-l'Étoile", "Marcy-l'Étoile", "69280", 45.7836, 4.7150, 1),
    Commune("Charbonnières-les-Bains", "Charbonnières-les-Bains", "69260", 45.7806, 4.7458, 1),
    Commune("Saint-Genis-les-Ollières", "Saint-Genis-les-Ollières", "69290", 45.7597, 4.7261, 1),
    Commune("Jonage", "Jonage", "69330", 45.7961, 5.0469, 1),
)

# Real streets of the larger places; the rest use names that exist in nearly every commune here.
STREETS: dict[str, tuple[str, ...]] = {
    "Lyon 1er": ("rue de la République", "rue Paul Chenavard", "rue d'Algérie",
                 "quai Saint-Vincent", "rue Terme", "rue Édouard Herriot"),
    "Lyon 2e": ("rue Victor Hugo", "rue de la Charité", "quai Rambaud", "cours Charlemagne",
                "rue Mercière", "rue Sala", "rue de Brest"),
    "Lyon 3e": ("cours Lafayette", "rue Garibaldi", "cours Gambetta", "rue Paul Bert",
                "avenue Félix Faure", "rue Servient", "rue Moncey", "rue de Créqui"),
    "Lyon 4e": ("boulevard de la Croix-Rousse", "Grande Rue de la Croix-Rousse",
                "rue d'Austerlitz", "rue Hénon", "rue Dumenge"),
    "Lyon 5e": ("rue Saint-Jean", "quai Fulchiron", "avenue du Point du Jour", "rue des Farges",
                "rue Pierre Valdo"),
    "Lyon 6e": ("boulevard des Belges", "cours Franklin Roosevelt", "rue Vendôme", "avenue Foch",
                "rue Duguesclin", "cours Vitton", "rue Tronchet"),
    "Lyon 7e": ("avenue Berthelot", "rue de Marseille", "rue de Gerland", "avenue Jean Jaurès",
                "avenue Tony Garnier", "rue Chevreul", "Grande Rue de la Guillotière"),
    "Lyon 8e": ("avenue des Frères Lumière", "avenue Jean Mermoz", "boulevard des États-Unis",
                "rue Marius Berliet", "route de Vienne", "avenue Paul Santy"),
    "Lyon 9e": ("rue de Bourgogne", "quai Pierre Scize", "rue Marietton", "quai Arloing",
                "avenue Sidoine Apollinaire"),
    "Villeurbanne": ("cours Émile Zola", "avenue Henri Barbusse", "rue Francis de Pressensé",
                     "cours Tolstoï", "avenue Roger Salengro", "rue Léon Blum"),
    "Vénissieux": ("avenue Jean Cagne", "boulevard Ambroise Croizat", "avenue Marcel Houël",
                   "boulevard Irène Joliot-Curie", "route de Vienne"),
    "Bron": ("avenue Franklin Roosevelt", "boulevard Pinel", "avenue Pierre Brossolette",
             "route de Genas"),
    "Saint-Priest": ("route de Grenoble", "rue Aristide Briand", "boulevard Édouard Herriot",
                     "rue du Dauphiné"),
    "Caluire-et-Cuire": ("montée des Soldats", "chemin de Crépieux", "avenue Pierre Terrasse",
                         "rue Jean Moulin"),
    "*": ("rue de la République", "avenue Jean Jaurès", "rue Victor Hugo", "Grande Rue",
          "avenue du Général de Gaulle", "rue Pasteur", "rue Jules Ferry",
          "avenue du Général Leclerc", "rue Anatole France", "rue Émile Zola", "rue de la Gare",
          "chemin des Vignes", "rue du Stade", "rue Jean Moulin", "rue Paul Bert",
          "rue des Écoles", "route de Lyon", "rue Gambetta", "rue Carnot", "rue de l'Industrie"),
}


def streets(commune: Commune) -> tuple[str, ...]:
    return STREETS.get(commune.label, STREETS["*"])


def inside(lon: float, lat: float) -> bool:
    min_lon, min_lat, max_lon, max_lat = BBOX
    return min_lon <= lon <= max_lon and min_lat <= lat <= max_lat
