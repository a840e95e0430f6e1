//! The string table: `(key, français, English)`.

/// Every UI string. Keys are grouped by screen.
pub(super) static STRINGS: &[(&str, &str, &str)] = &[
    // Product and shell
    ("app.name", "CRM Fidélité", "CRM Fidélité"),
    (
        "app.tagline",
        "Fidélité, coupons et caisse",
        "Loyalty, coupons and till",
    ),
    ("shell.logout", "Déconnexion", "Log out"),
    ("shell.lang_switch", "English", "Français"),
    (
        "shell.lang_switch_title",
        "Switch to English",
        "Passer en français",
    ),
    ("shell.menu", "Menu principal", "Main menu"),
    ("shell.loading", "Chargement…", "Loading…"),
    // Roles
    ("role.CASHIER", "Caissier", "Cashier"),
    ("role.MARKETING", "Marketing", "Marketing"),
    ("role.DIRECTOR", "Directeur général", "General manager"),
    ("role.ADMIN", "Administrateur", "Administrator"),
    // Navigation
    ("nav.accueil", "Accueil", "Home"),
    ("nav.caisse", "Caisse", "Till"),
    ("nav.ventes.own", "Mes ventes", "My sales"),
    ("nav.ventes.all", "Ventes", "Sales"),
    ("nav.clients", "Clients", "Customers"),
    ("nav.coupons", "Coupons", "Coupons"),
    ("nav.fidelite", "Fidélité", "Loyalty"),
    ("nav.kpi", "Tableau de bord KPI", "KPI dashboard"),
    ("nav.admin", "Administration", "Administration"),
    // Login
    ("login.title", "Connexion", "Sign in"),
    (
        "login.subtitle",
        "Identifiez-vous pour ouvrir votre session.",
        "Sign in to open your session.",
    ),
    ("login.username", "Identifiant", "Username"),
    ("login.password", "Mot de passe", "Password"),
    ("login.submit", "Se connecter", "Sign in"),
    ("login.submitting", "Connexion…", "Signing in…"),
    (
        "login.required",
        "Saisissez votre identifiant et votre mot de passe.",
        "Enter your username and password.",
    ),
    (
        "login.footer",
        "Côte d'Ivoire · FCFA · Africa/Abidjan",
        "Côte d'Ivoire · FCFA · Africa/Abidjan",
    ),
    // Errors
    (
        "error.network",
        "Serveur injoignable. Vérifiez la connexion et réessayez.",
        "The server cannot be reached. Check the connection and try again.",
    ),
    (
        "error.unexpected",
        "Erreur inattendue du serveur.",
        "Unexpected server error.",
    ),
    (
        "error.auth.invalid_credentials",
        "Identifiant ou mot de passe incorrect.",
        "Wrong username or password.",
    ),
    (
        "error.phone.invalid",
        "Numéro de téléphone invalide.",
        "Invalid phone number.",
    ),
    (
        "error.customer.not_found",
        "Client introuvable.",
        "Customer not found.",
    ),
    (
        "error.validation.failed",
        "Certaines informations sont invalides.",
        "Some details are invalid.",
    ),
    (
        "error.session_expired",
        "Votre session a expiré. Reconnectez-vous.",
        "Your session has expired. Please sign in again.",
    ),
    // Access
    ("access.denied.title", "Accès refusé", "Access denied"),
    (
        "access.denied.text",
        "Votre rôle ne donne pas accès à cette page.",
        "Your role does not give access to this page.",
    ),
    ("access.back_home", "Retour à l'accueil", "Back to home"),
    ("notfound.title", "Page introuvable", "Page not found"),
    (
        "notfound.text",
        "Cette adresse ne correspond à aucune page.",
        "This address matches no page.",
    ),
    // Placeholder
    ("soon.title", "Bientôt disponible", "Coming soon"),
    (
        "soon.text",
        "Cet écran arrive dans une prochaine version.",
        "This screen comes in a later release.",
    ),
    // Home
    ("home.welcome", "Bonjour", "Hello"),
    (
        "home.intro",
        "Choisissez un espace pour commencer.",
        "Pick an area to start.",
    ),
    (
        "home.desc.caisse",
        "Identifier le client et encaisser.",
        "Identify the customer and check out.",
    ),
    (
        "home.desc.ventes",
        "Historique et chiffre d'affaires.",
        "History and revenue.",
    ),
    (
        "home.desc.clients",
        "Fiches clients et données personnelles.",
        "Customer records and personal data.",
    ),
    (
        "home.desc.coupons",
        "Codes promo et coupons nominatifs.",
        "Promo codes and personal coupons.",
    ),
    (
        "home.desc.fidelite",
        "Analyser la fidélité, niveaux et statistiques.",
        "Loyalty analysis, levels and statistics.",
    ),
    (
        "home.desc.kpi",
        "Taux d'identification, rétention, impact des remises.",
        "Identification rate, retention, discount impact.",
    ),
    (
        "home.desc.admin",
        "Utilisateurs, magasins et paramètres.",
        "Users, stores and settings.",
    ),
    // POS
    ("pos.title", "Caisse", "Till"),
    (
        "pos.identify",
        "Identifier le client",
        "Identify the customer",
    ),
    ("pos.phone", "Téléphone du client", "Customer phone"),
    ("pos.phone_placeholder", "07 01 23 45 67", "07 01 23 45 67"),
    ("pos.identify_button", "Identifier", "Identify"),
    ("pos.searching", "Recherche…", "Searching…"),
    (
        "pos.hint",
        "Entrée : identifier · Échap : vente anonyme",
        "Enter: identify · Esc: anonymous sale",
    ),
    (
        "pos.anonymous",
        "Vente anonyme : aucun client identifié.",
        "Anonymous sale: no customer identified.",
    ),
    ("pos.customer_number", "N° client", "Customer no."),
    ("pos.level", "Niveau de fidélité", "Loyalty level"),
    ("pos.points", "Points de fidélité", "Loyalty points"),
    ("pos.discount", "Remise fidélité", "Loyalty discount"),
    ("pos.phone_label", "Téléphone", "Phone"),
    ("pos.lifetime_spend", "Achats cumulés", "Lifetime spend"),
    ("pos.purchases", "Passages", "Visits"),
    ("pos.coupons", "Coupons disponibles", "Available coupons"),
    (
        "pos.no_coupons",
        "Aucun coupon disponible",
        "No coupon available",
    ),
    ("pos.valid_until", "valable jusqu'au", "valid until"),
    ("pos.unnamed", "Client sans nom", "Unnamed customer"),
    ("pos.clear", "Effacer (Échap)", "Clear (Esc)"),
    ("pos.new_customer", "Nouveau client", "New customer"),
    (
        "pos.new_customer_intro",
        "Ce numéro n'est pas encore inscrit. Créez la fiche :",
        "This number is not registered yet. Create the record:",
    ),
    ("pos.first_name", "Prénom", "First name"),
    ("pos.last_name", "Nom", "Last name"),
    ("pos.email", "E-mail (facultatif)", "E-mail (optional)"),
    (
        "pos.sms_consent",
        "Accepte de recevoir les offres par SMS",
        "Agrees to receive offers by SMS",
    ),
    ("pos.create", "Créer le client", "Create customer"),
    ("pos.creating", "Création…", "Creating…"),
    ("pos.cancel", "Annuler (Échap)", "Cancel (Esc)"),
    ("pos.basket", "Panier", "Basket"),
    (
        "pos.basket_soon",
        "Le panier et l'encaissement arrivent dans une prochaine version.",
        "The basket and checkout come in a later release.",
    ),
    ("pos.subtotal", "Sous-total", "Subtotal"),
    ("pos.total", "Total TTC", "Total incl. VAT"),
    // Levels
    ("level.STANDARD", "Standard", "Standard"),
    ("level.SILVER", "Silver", "Silver"),
    ("level.GOLD", "Gold", "Gold"),
    ("level.VIP", "VIP", "VIP"),
];
