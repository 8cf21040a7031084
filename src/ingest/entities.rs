//! HTML character references: the named entities abstracts use, and numeric ones.

use std::borrow::Cow;

/// Decodes `&name;`, `&#123;` and `&#x1F600;`; unknown names and invalid numbers stay as written.
/// Numbers 128-159 are read as the Windows-1252 characters they mean (`&#146;` is `’`).
pub(crate) fn decode_entities(text: &str) -> Cow<'_, str> {
    if !text.contains('&') {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = rest.find('&') {
        out.push_str(&rest[..at]);
        let s = &rest[at + 1..];
        let name_len = s.bytes().take(33).take_while(|b| b.is_ascii_alphanumeric() || *b == b'#').count();
        match (s.as_bytes().get(name_len), entity(&s[..name_len])) {
            (Some(b';'), Some(c)) => {
                out.push(c);
                rest = &s[name_len + 1..];
            }
            _ => {
                out.push('&');
                rest = s;
            }
        }
    }
    out.push_str(rest);
    if out == text { Cow::Borrowed(text) } else { Cow::Owned(out) }
}

/// The character `&name;` stands for.
pub(crate) fn entity(name: &str) -> Option<char> {
    let Some(num) = name.strip_prefix('#') else {
        return ENTITIES.binary_search_by_key(&name, |&(n, _)| n).ok().map(|i| ENTITIES[i].1);
    };
    let code = match num.strip_prefix(['x', 'X']) {
        Some(hex) if (1..=6).contains(&hex.len()) && hex.bytes().all(|b| b.is_ascii_hexdigit()) => {
            u32::from_str_radix(hex, 16).ok()?
        }
        None if (1..=7).contains(&num.len()) && num.bytes().all(|b| b.is_ascii_digit()) => num.parse().ok()?,
        _ => return None,
    };
    if (0x80..=0x9f).contains(&code) {
        const HIGH: &str = "€\u{81}‚ƒ„…†‡ˆ‰Š‹Œ\u{8d}Ž\u{8f}\u{90}‘’“”•–—˜™š›œ\u{9d}žŸ";
        return HIGH.chars().nth(code as usize - 0x80);
    }
    char::from_u32(code).filter(|&c| c != '\0')
}

/// Named entities, sorted by name for binary search.
#[rustfmt::skip]
const ENTITIES: &[(&str, char)] = &[
    ("AElig", 'Æ'), ("Aacute", 'Á'), ("Acirc", 'Â'), ("Agrave", 'À'), ("Aring", 'Å'), ("Atilde", 'Ã'),
    ("Auml", 'Ä'), ("Ccedil", 'Ç'), ("Dagger", '‡'), ("ETH", 'Ð'), ("Eacute", 'É'), ("Ecirc", 'Ê'),
    ("Egrave", 'È'), ("Euml", 'Ë'), ("Iacute", 'Í'), ("Icirc", 'Î'), ("Igrave", 'Ì'), ("Iuml", 'Ï'),
    ("Ntilde", 'Ñ'), ("OElig", 'Œ'), ("Oacute", 'Ó'), ("Ocirc", 'Ô'), ("Ograve", 'Ò'), ("Omega", 'Ω'),
    ("Oslash", 'Ø'), ("Otilde", 'Õ'), ("Ouml", 'Ö'), ("Prime", '″'), ("Scaron", 'Š'), ("THORN", 'Þ'),
    ("Uacute", 'Ú'), ("Ucirc", 'Û'), ("Ugrave", 'Ù'), ("Uuml", 'Ü'), ("Yacute", 'Ý'), ("Yuml", 'Ÿ'),
    ("aacute", 'á'), ("acirc", 'â'), ("acute", '´'), ("aelig", 'æ'), ("agrave", 'à'), ("alpha", 'α'), ("amp", '&'),
    ("apos", '\''), ("aring", 'å'), ("asymp", '≈'), ("atilde", 'ã'), ("auml", 'ä'), ("bdquo", '„'), ("beta", 'β'),
    ("brvbar", '¦'), ("bull", '•'), ("ccedil", 'ç'), ("cedil", '¸'), ("cent", '¢'), ("circ", 'ˆ'), ("clubs", '♣'),
    ("copy", '©'), ("curren", '¤'), ("dagger", '†'), ("darr", '↓'), ("deg", '°'), ("delta", 'δ'), ("diams", '♦'),
    ("divide", '÷'), ("eacute", 'é'), ("ecirc", 'ê'), ("egrave", 'è'), ("emsp", '\u{2003}'), ("ensp", '\u{2002}'),
    ("eth", 'ð'), ("euml", 'ë'), ("euro", '€'), ("frac12", '½'), ("frac14", '¼'), ("frac34", '¾'), ("gamma", 'γ'),
    ("ge", '≥'), ("gt", '>'), ("hArr", '⇔'), ("harr", '↔'), ("hearts", '♥'), ("hellip", '…'), ("iacute", 'í'),
    ("icirc", 'î'), ("iexcl", '¡'), ("igrave", 'ì'), ("infin", '∞'), ("iquest", '¿'), ("iuml", 'ï'), ("lArr", '⇐'),
    ("lambda", 'λ'), ("laquo", '«'), ("larr", '←'), ("ldquo", '“'), ("le", '≤'), ("lsaquo", '‹'), ("lsquo", '‘'),
    ("lt", '<'), ("macr", '¯'), ("mdash", '—'), ("micro", 'µ'), ("middot", '·'), ("minus", '−'), ("mu", 'μ'),
    ("nbsp", '\u{a0}'), ("ndash", '–'), ("ne", '≠'), ("not", '¬'), ("ntilde", 'ñ'), ("oacute", 'ó'),
    ("ocirc", 'ô'), ("oelig", 'œ'), ("ograve", 'ò'), ("omega", 'ω'), ("ordf", 'ª'), ("ordm", 'º'), ("oslash", 'ø'),
    ("otilde", 'õ'), ("ouml", 'ö'), ("para", '¶'), ("permil", '‰'), ("pi", 'π'), ("plusmn", '±'), ("pound", '£'),
    ("prime", '′'), ("quot", '"'), ("rArr", '⇒'), ("raquo", '»'), ("rarr", '→'), ("rdquo", '”'), ("reg", '®'),
    ("rsaquo", '›'), ("rsquo", '’'), ("sbquo", '‚'), ("scaron", 'š'), ("sect", '§'), ("shy", '\u{ad}'),
    ("sigma", 'σ'), ("spades", '♠'), ("sup1", '¹'), ("sup2", '²'), ("sup3", '³'), ("szlig", 'ß'),
    ("thinsp", '\u{2009}'), ("thorn", 'þ'), ("tilde", '˜'), ("times", '×'), ("trade", '™'), ("uacute", 'ú'),
    ("uarr", '↑'), ("ucirc", 'û'), ("ugrave", 'ù'), ("uml", '¨'), ("uuml", 'ü'), ("yacute", 'ý'), ("yen", '¥'),
    ("yuml", 'ÿ'), ("zwj", '\u{200d}'), ("zwnj", '\u{200c}'),
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_table_is_sorted() {
        assert!(ENTITIES.windows(2).all(|w| w[0].0 < w[1].0));
    }

    #[test]
    fn decodes_named_and_numeric_references() {
        assert_eq!(
            decode_entities("Tom &amp; Jerry &lt;3 caf&eacute; &#8217;&#x2019;&#146; &nbsp;"),
            "Tom & Jerry <3 café ’’’ \u{a0}"
        );
        assert_eq!(decode_entities("AT&T &unknown; &#0; &#xZZ; & ;"), "AT&T &unknown; &#0; &#xZZ; & ;");
        assert_eq!(decode_entities("&amp;lt;"), "&lt;");
    }
}
