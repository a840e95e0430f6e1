//! The signed-in session: tokens and user, in a context and in `localStorage`.

use crm_api_types::{LoginResponse, Role, UserInfo};
use gloo_storage::{LocalStorage, Storage};
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use crate::components::Section;

/// Where the session is kept between page loads.
const SESSION_KEY: &str = "crm.session";

/// Tokens and the staff member they belong to.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Session {
    /// JWT for `Authorization: Bearer`.
    pub access_token: String,
    /// Single-use refresh token (rotates on every refresh).
    pub refresh_token: String,
    /// Who is signed in.
    pub user: UserInfo,
}

impl From<LoginResponse> for Session {
    fn from(r: LoginResponse) -> Self {
        Session {
            access_token: r.access_token,
            refresh_token: r.refresh_token,
            user: r.user,
        }
    }
}

/// The session context.
#[derive(Clone, Copy)]
pub struct Auth {
    session: RwSignal<Option<Session>>,
}

impl Auth {
    /// Loads the saved session (if any) and provides the context.
    pub fn provide() -> Auth {
        let saved = LocalStorage::get::<Session>(SESSION_KEY).ok();
        let auth = Auth {
            session: RwSignal::new(saved),
        };
        provide_context(auth);
        auth
    }

    /// The session, without tracking.
    pub fn session_untracked(self) -> Option<Session> {
        self.session.get_untracked()
    }

    /// The signed-in user (reactive).
    pub fn user(self) -> Option<UserInfo> {
        self.session.with(|s| s.as_ref().map(|s| s.user.clone()))
    }

    /// The signed-in user's role (reactive).
    pub fn role(self) -> Option<Role> {
        self.session.with(|s| s.as_ref().map(|s| s.user.role))
    }

    /// Whether someone is signed in (reactive).
    pub fn is_signed_in(self) -> bool {
        self.session.with(Option::is_some)
    }

    /// Stores a new session (login or refresh).
    pub fn set(self, session: Session) {
        let _ = LocalStorage::set(SESSION_KEY, &session);
        self.session.set(Some(session));
    }

    /// Updates the user details after `GET /me`, keeping the tokens.
    pub fn set_user(self, user: UserInfo) {
        if let Some(mut s) = self.session.get_untracked() {
            if s.user != user {
                s.user = user;
                self.set(s);
            }
        }
    }

    /// Forgets the session (logout, or refresh refused).
    pub fn clear(self) {
        LocalStorage::delete(SESSION_KEY);
        self.session.set(None);
    }
}

/// The Auth context provided by the app.
pub fn use_auth() -> Auth {
    expect_context::<Auth>()
}

/// The path a role lands on after login.
pub fn home_path(role: Role) -> &'static str {
    match role {
        Role::Cashier => "/caisse",
        Role::Marketing | Role::Director | Role::Admin => "/accueil",
    }
}

/// Where a sign-in leads: back to the page asked for before it (`/login?next=/coupons`),
/// when that is a page of this app the role may open; else the role's home. Only a path
/// of this app is followed (never `//elsewhere.example` or a full address), so a link
/// cannot send someone signing in to another site.
pub fn after_login(role: Role, next: Option<&str>) -> String {
    let home = home_path(role);
    let Some(next) = next.filter(|n| is_app_page(n)) else {
        return home.to_owned();
    };
    let path = next.split(['?', '#']).next().unwrap_or(next);
    // The area is the one with the longest path that holds the page (`/admin/journal` is
    // the journal's, which the director may open, not the administration's).
    let forbidden = Section::ALL
        .iter()
        .filter(|section| {
            path == section.path()
                || path
                    .strip_prefix(section.path())
                    .is_some_and(|rest| rest.starts_with('/'))
        })
        .max_by_key(|section| section.path().len())
        .is_some_and(|section| !section.allowed(role));
    if forbidden {
        home.to_owned()
    } else {
        next.to_owned()
    }
}

/// A path of this app worth returning to (not the login page itself, not the API).
fn is_app_page(next: &str) -> bool {
    next.starts_with('/')
        && !next.starts_with("//")
        && !next.contains('\\')
        && next != "/"
        && !next.starts_with("/login")
        && !next.starts_with("/api")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sign_in_returns_to_the_page_asked_for_when_allowed() {
        let marketing = Role::Marketing;
        assert_eq!(after_login(marketing, Some("/coupons")), "/coupons");
        assert_eq!(
            after_login(marketing, Some("/coupons?status=ACTIVE")),
            "/coupons?status=ACTIVE"
        );
        assert_eq!(after_login(marketing, None), "/accueil");
        // A cashier asking for the coupons goes to the till instead of a refusal.
        assert_eq!(after_login(Role::Cashier, Some("/coupons")), "/caisse");
        // The director reads the administration and its journal; marketing neither.
        assert_eq!(
            after_login(Role::Director, Some("/admin/journal")),
            "/admin/journal"
        );
        assert_eq!(after_login(Role::Director, Some("/admin")), "/admin");
        assert_eq!(after_login(Role::Marketing, Some("/admin")), "/accueil");
        assert_eq!(
            after_login(Role::Marketing, Some("/admin/journal")),
            "/accueil"
        );
        assert_eq!(after_login(marketing, Some("/clients/42")), "/clients/42");
        for elsewhere in [
            "//evil.example/x",
            "https://evil.example",
            "/login?next=/x",
            "/\\evil.example",
            "/",
        ] {
            assert_eq!(
                after_login(marketing, Some(elsewhere)),
                "/accueil",
                "{elsewhere}"
            );
        }
    }
}
