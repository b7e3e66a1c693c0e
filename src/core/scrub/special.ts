/**
 * Special categories of personal data (GDPR Art. 9 and 10): terms in English, German, French and Estonian.
 * A field that contains one is never stored (P5). Terms are matched as whole words on a folded text
 * (lower case, accents removed), so they must be specific enough not to hit ordinary UI labels.
 */
export const SPECIAL_CATEGORIES: Record<string, string[]> = {
  health: [
    'hiv', 'aids', 'diabetes', 'diabetic', 'cancer', 'chemotherapy', 'oncology', 'pregnancy', 'pregnant', 'abortion', 'depression', 'psychiatric', 'schizophrenia', 'dementia', 'hepatitis', 'diagnosis', 'std test',
    'krebs diagnose', 'schwangerschaft', 'schwanger', 'depressionen', 'psychiatrie', 'diagnose',
    'grossesse', 'enceinte', 'chimiotherapie', 'seropositif', 'avortement', 'psychiatrique',
    'rasedus', 'rase', 'vahk', 'diabeet', 'depressioon', 'psuhhiaatria', 'diagnoos',
  ],
  'racial-or-ethnic-origin': [
    'ethnicity', 'ethnic origin', 'racial origin', 'race ethnicity',
    'ethnische herkunft', 'ethnie', 'rassische herkunft',
    'origine ethnique', 'origine raciale',
    'etniline paritolu', 'rassiline paritolu',
  ],
  'political-opinions': [
    'political party', 'political opinion', 'party membership', 'voted for',
    'parteimitglied', 'parteimitgliedschaft', 'politische meinung',
    'parti politique', 'opinion politique', 'adherent du parti',
    'erakonna liige', 'erakond', 'poliitiline vaade',
  ],
  'religious-or-philosophical-beliefs': [
    'religion', 'religious', 'muslim', 'catholic', 'protestant', 'jewish', 'buddhist', 'hindu', 'atheist',
    'religionszugehorigkeit', 'konfession', 'muslimisch', 'katholisch', 'evangelisch', 'judisch',
    'musulman', 'catholique', 'juif', 'juive', 'bouddhiste', 'athee',
    'usk', 'usutunnistus', 'moslem', 'katoliiklane', 'luterlane', 'juut',
  ],
  'trade-union-membership': [
    'trade union', 'union member', 'union membership',
    'gewerkschaft', 'gewerkschaftsmitglied',
    'syndicat', 'syndique',
    'ametiuhing', 'ametiuhingu liige',
  ],
  'sex-life-or-sexual-orientation': [
    'sexual orientation', 'gay', 'lesbian', 'bisexual', 'homosexual', 'transgender', 'sex life',
    'sexuelle orientierung', 'schwul', 'lesbisch', 'bisexuell', 'homosexuell',
    'orientation sexuelle', 'homosexuel', 'lesbienne', 'bisexuel',
    'seksuaalne sattumus', 'homoseksuaal', 'lesbi', 'biseksuaal',
  ],
  'genetic-or-biometric-data': [
    'genetic test', 'dna test', 'genome', 'biometric', 'fingerprint scan', 'retina scan', 'face template',
    'gentest', 'genetisch', 'fingerabdruck', 'biometrisch',
    'test genetique', 'genetique', 'empreinte digitale', 'biometrique',
    'geenitest', 'geneetiline', 'sormejalg', 'biomeetriline',
  ],
  'criminal-convictions': [
    'criminal record', 'conviction', 'convicted', 'offence record', 'offense record',
    'vorstrafe', 'strafregister', 'fuhrungszeugnis', 'verurteilt',
    'casier judiciaire', 'condamnation', 'condamne',
    'karistusregister', 'kriminaalkaristus', 'karistatud',
  ],
};

export function fold(text: string): string {
  return text.normalize('NFKD').replace(/[\u0300-\u036f]/g, '').toLowerCase().replace(/[_\-+./]+/g, ' ');
}

/** term (folded, words joined by one space) → category */
const TERMS = new Map<string, string>();
for (const [cat, terms] of Object.entries(SPECIAL_CATEGORIES)) {
  for (const t of terms) TERMS.set(fold(t).split(/\s+/).join(' '), cat);
}
// One alternation over every term, longest first, with letter/digit boundaries (a single regex pass is
// about 8× faster than splitting the text into words and looking each up).
const MATCHER = new RegExp(
  `(?<![a-z0-9])(?:${[...TERMS.keys()].sort((a, b) => b.length - a.length).map((t) => t.replace(/[.*+?^${}()|[\]\\]/g, '\\$&').replace(/ /g, '[^a-z0-9]+')).join('|')})(?![a-z0-9])`,
  'i',
);
const ASCII = /^[\x00-\x7f]*$/;

/** The first special category whose terms occur as whole words in the text, or undefined. */
export function specialCategoryOf(text: string): string | undefined {
  const m = MATCHER.exec(ASCII.test(text) ? text : fold(text));
  return m ? TERMS.get(m[0].toLowerCase().split(/[^a-z0-9]+/).join(' ')) : undefined;
}
