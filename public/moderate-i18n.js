// The moderator page in French and English: English is the source text; French replaces it when the page's
// language is French (?lang=fr, then the last choice, then the browser's language). French typography: a
// non-breaking space before : ; ! ? and typographic apostrophes.

const NBSP = '\u00a0';

/** French for each English text of the page (static text and messages; {name} is filled in). */
const FR = {
  'imgmod · review queue': 'imgmod · file de modération',
  'imgmod review': 'imgmod modération',
  Queue: 'File',
  Reason: 'Motif',
  Sort: 'Tri',
  'Auto-blocked': 'Bloquées automatiquement',
  'Overdue review': 'Revue en retard',
  Appealed: 'Contestées',
  Reported: 'Signalées',
  Blocked: 'Bloquées',
  Restored: 'Rétablies',
  Removed: 'Supprimées',
  any: 'tous',
  'Highest score': 'Score le plus haut',
  'Oldest first': 'Plus anciennes d’abord',
  'Newest first': 'Plus récentes d’abord',
  'Single-key shortcuts': 'Raccourcis à une touche',
  'Job dashboard': 'Tableau des tâches',
  'Sign out': 'Se déconnecter',
  'Sign in': 'Se connecter',
  'Sign in with your organisation’s account': 'Se connecter avec le compte de votre organisation',
  'Moderator token (development sign-in)': 'Jeton de modérateur (connexion de développement)',
  'Create one with': 'Créez-en un avec',
  'No sign-in is configured: set OIDC_ISSUER (or MODERATOR_TOKEN_SIGNIN outside production).': `Aucune connexion n’est configurée${NBSP}: définissez OIDC_ISSUER (ou MODERATOR_TOKEN_SIGNIN hors production).`,
  'Uphold checked': 'Confirmer la sélection',
  'Restore checked': 'Rétablir la sélection',
  'Remove checked': 'Supprimer la sélection',
  'Load more': 'Afficher plus',
  'Nothing to review here.': 'Rien à examiner ici.',
  'Show original': 'Voir l’original',
  'Note for the decision (optional; kept in the audit log, and sent to the uploader when it answers an appeal)': `Note pour la décision (facultative${NBSP}; gardée dans le journal, et envoyée à l’auteur quand elle répond à une contestation)`,
  'Uphold block': 'Confirmer le blocage',
  Restore: 'Rétablir',
  Remove: 'Supprimer',
  Reports: 'Signalements',
  Reader: 'Lecteur',
  Note: 'Note',
  Weight: 'Poids',
  Status: 'Statut',
  When: 'Quand',
  'Reporters’ track records': 'Historique des signaleurs',
  Upheld: 'Confirmés',
  Dismissed: 'Rejetés',
  'Weight now': 'Poids actuel',
  History: 'Historique',
  move: 'naviguer',
  'check for a bulk decision': 'cocher pour une décision groupée',
  uphold: 'confirmer',
  restore: 'rétablir',
  'remove (twice)': 'supprimer (deux fois)',
  reveal: 'révéler',
  'Images in this queue': 'Images de cette file',
  'Blurred preview': 'Aperçu flouté',
  'Blurred preview of the selected image': 'Aperçu flouté de l’image choisie',
  'Original of the selected image': 'Original de l’image choisie',
  'Your session has expired or is invalid: sign in again.': `Votre session a expiré ou n’est pas valide${NBSP}: reconnectez-vous.`,
  'This image changed since you loaded it: {message}.': `Cette image a changé depuis son affichage${NBSP}: {message}.`,
  'Not possible: {message}.': `Impossible${NBSP}: {message}.`,
  'This needs a moderator.': 'Il faut être modérateur.',
  'Something went wrong: {message}': `Une erreur s’est produite${NBSP}: {message}`,
  '{count} checked': '{count} cochée(s)',
  'score {score} · {open} open': 'score {score} · {open} ouvert(s)',
  '{count} reports · decided': '{count} signalement(s) · décidée',
  ' · suspected brigade': ' · campagne suspectée',
  ' · overdue': ' · en retard',
  ' · being reviewed by {who}': ' · en cours d’examen par {who}',
  '{status} since {when}': '{status} depuis le {when}',
  'files deleted': 'fichiers supprimés',
  '{who} opened this image first and may be deciding it: pick another one.': `{who} a ouvert cette image en premier et la décide peut-être${NBSP}: choisissez-en une autre.`,
  'The original cannot be shown (HTTP {status}).': 'L’original ne peut pas être affiché (HTTP {status}).',
  'Showing the original.': 'Original affiché.',
  'Press x again to remove this image for good (its files are deleted).':
    'Appuyez de nouveau sur x pour supprimer définitivement cette image (ses fichiers sont effacés).',
  'Upheld: image is now {status} ({closed} reports closed).': `Confirmé${NBSP}: l’image est maintenant {status} ({closed} signalement(s) clos).`,
  'Restored: image is now {status} ({closed} reports closed).': `Rétablie${NBSP}: l’image est maintenant {status} ({closed} signalement(s) clos).`,
  'Removed: image is now {status} ({closed} reports closed).': `Supprimée${NBSP}: l’image est maintenant {status} ({closed} signalement(s) clos).`,
  'Decided {count} image(s) ({action}).': 'Décision prise pour {count} image(s) ({action}).',
  '{failed} could not be decided (changed meanwhile or not allowed).':
    '{failed} n’ont pas pu être décidées (modifiées entre-temps ou non permis).',
  'Signed in as {who}.': 'Connecté en tant que {who}.',
  'That token is not valid or has expired.': 'Ce jeton n’est pas valide ou a expiré.',
  'Signed out.': 'Déconnecté.',
  Sessions: 'Sessions',
  'Active sessions': 'Sessions actives',
  Who: 'Qui',
  Role: 'Rôle',
  'Signed in with': 'Connexion par',
  Since: 'Depuis',
  'Last seen': 'Dernière activité',
  Revoke: 'Révoquer',
  'Session of {who} revoked.': 'Session de {who} révoquée.',
};

/** The page's language: `fr` or `en`. */
export const LANG = (() => {
  const asked = new URLSearchParams(window.location.search).get('lang');
  if (asked === 'fr' || asked === 'en') {
    window.localStorage.setItem('imgmod.lang', asked);
    return asked;
  }
  const kept = window.localStorage.getItem('imgmod.lang');
  if (kept === 'fr' || kept === 'en') return kept;
  return (window.navigator.language || 'en').toLowerCase().startsWith('fr') ? 'fr' : 'en';
})();

/** The text in the page's language, with {name} filled in from `values`. */
export function t(english, values = {}) {
  const text = LANG === 'fr' ? (FR[english] ?? english) : english;
  return text.replace(/\{(\w+)\}/g, (match, name) => (name in values ? String(values[name]) : match));
}

/** Translates the page's static text and labels once, at load. */
export function translatePage() {
  document.documentElement.lang = LANG;
  if (LANG === 'en') return;
  document.title = t(document.title);
  const walker = document.createTreeWalker(document.body, window.NodeFilter.SHOW_TEXT);
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    const key = node.textContent.trim();
    if (key && FR[key]) node.textContent = node.textContent.replace(key, FR[key]);
  }
  for (const element of document.querySelectorAll('[aria-label], [alt], [placeholder]')) {
    for (const attribute of ['aria-label', 'alt']) {
      const value = element.getAttribute(attribute);
      if (value && FR[value]) element.setAttribute(attribute, FR[value]);
    }
  }
}
