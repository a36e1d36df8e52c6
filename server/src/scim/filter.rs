//! RFC 7644 §3.4.2.2 filters: parsing, evaluation against a resource,
//! index push-down and §3.4.2.3 sort ordering.

use std::borrow::Cow;
use std::cmp::Ordering;
use std::fmt;

use serde_json::{Number, Value};

use super::ScimError;
use super::resource::{get_attr, get_ci};
use super::schema::{self, Attr, AttrType, ResourceKind, Schema};

/// Longest filter accepted, in characters.
pub const MAX_FILTER_LEN: usize = 4096;
/// Deepest nesting of `(...)`, `not (...)` and `[...]` accepted.
pub const MAX_FILTER_DEPTH: usize = 32;

/// `[URN ":"] attrName ["." subAttr]`, as written (not yet resolved).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AttrPath {
    pub urn: Option<String>,
    pub attr: String,
    pub sub_attr: Option<String>,
}

/// RFC 7643 §2.1 `ATTRNAME = ALPHA *(nameChar)`, plus the `$ref` special case.
pub fn valid_attr_name(s: &str) -> bool {
    if s.eq_ignore_ascii_case("$ref") {
        return true;
    }
    let mut chars = s.chars();
    chars.next().is_some_and(|c| c.is_ascii_alphabetic())
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
}

impl AttrPath {
    /// Parses `[URN ":"] attrName ["." subAttr]`; the error says what is wrong.
    pub fn parse(s: &str) -> Result<AttrPath, String> {
        let (urn, rest) = schema::split_urn(s);
        if rest.is_empty() {
            return Err(format!("'{s}' has no attribute name after the schema URN"));
        }
        let (attr, sub) = match rest.split_once('.') {
            Some((a, b)) => (a, Some(b)),
            None => (rest, None),
        };
        if !valid_attr_name(attr) {
            return Err(format!("'{attr}' is not a valid attribute name"));
        }
        if let Some(sb) = sub
            && !valid_attr_name(sb)
        {
            return Err(format!("'{sb}' is not a valid sub-attribute name"));
        }
        Ok(AttrPath {
            urn: urn.map(str::to_string),
            attr: attr.to_string(),
            sub_attr: sub.map(str::to_string),
        })
    }

    /// The schema, attribute and sub-attribute this path names in `kind`,
    /// or `None` if any part is unknown.
    pub fn resolve(
        &self,
        kind: ResourceKind,
    ) -> Option<(&'static Schema, &'static Attr, Option<&'static Attr>)> {
        let (schema, attr) = schema::find_attr(kind, self.urn.as_deref(), &self.attr)?;
        let sub = match &self.sub_attr {
            Some(s) => Some(attr.sub(s)?),
            None => None,
        };
        Some((schema, attr, sub))
    }

    /// True if this path names the attribute `name` of `kind`'s core schema
    /// (or a common attribute) without a sub-attribute, e.g. for index use.
    pub fn is_core_attr(&self, kind: ResourceKind, name: &str) -> bool {
        self.sub_attr.is_none()
            && self
                .resolve(kind)
                .is_some_and(|(s, a, _)| kind.is_core(s) && a.name.eq_ignore_ascii_case(name))
    }
}

impl fmt::Display for AttrPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(u) = &self.urn {
            write!(f, "{u}:")?;
        }
        write!(f, "{}", self.attr)?;
        if let Some(s) = &self.sub_attr {
            write!(f, ".{s}")?;
        }
        Ok(())
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CompareOp {
    Eq,
    Ne,
    Co,
    Sw,
    Ew,
    Gt,
    Ge,
    Lt,
    Le,
}

impl CompareOp {
    pub fn as_str(self) -> &'static str {
        match self {
            CompareOp::Eq => "eq",
            CompareOp::Ne => "ne",
            CompareOp::Co => "co",
            CompareOp::Sw => "sw",
            CompareOp::Ew => "ew",
            CompareOp::Gt => "gt",
            CompareOp::Ge => "ge",
            CompareOp::Lt => "lt",
            CompareOp::Le => "le",
        }
    }

    fn parse(s: &str) -> Option<CompareOp> {
        const ALL: [CompareOp; 9] = [
            CompareOp::Eq,
            CompareOp::Ne,
            CompareOp::Co,
            CompareOp::Sw,
            CompareOp::Ew,
            CompareOp::Gt,
            CompareOp::Ge,
            CompareOp::Lt,
            CompareOp::Le,
        ];
        ALL.into_iter()
            .find(|op| op.as_str().eq_ignore_ascii_case(s))
    }

    fn is_ordering(self) -> bool {
        matches!(
            self,
            CompareOp::Gt | CompareOp::Ge | CompareOp::Lt | CompareOp::Le
        )
    }

    fn is_substring(self) -> bool {
        matches!(self, CompareOp::Co | CompareOp::Sw | CompareOp::Ew)
    }
}

impl fmt::Display for CompareOp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A parsed filter. `And`/`Or` hold two or more operands.
#[derive(Debug, Clone, PartialEq)]
pub enum Filter {
    /// `attrPath op compValue`; the value is a JSON string, number, boolean or null.
    Compare {
        path: AttrPath,
        op: CompareOp,
        value: Value,
    },
    /// `attrPath pr`
    Present(AttrPath),
    Not(Box<Filter>),
    And(Vec<Filter>),
    Or(Vec<Filter>),
    /// `attrPath "[" valFilter "]"`; paths inside are relative to `path`.
    ValuePath {
        path: AttrPath,
        filter: Box<Filter>,
    },
}

// ---------------------------------------------------------------------------
// Lexer

#[derive(Debug, Clone, PartialEq)]
enum Tok {
    LParen,
    RParen,
    LBrack,
    RBrack,
    Str(String),
    Word(String),
}

#[derive(Debug)]
struct Token {
    tok: Tok,
    /// 0-based character index of the token's first character.
    pos: usize,
}

fn is_delim(c: char) -> bool {
    c.is_whitespace() || matches!(c, '(' | ')' | '[' | ']' | '"')
}

fn hex4(chars: &[char], i: usize) -> Option<u32> {
    let part = chars.get(i..i + 4)?;
    let mut n = 0u32;
    for c in part {
        n = n * 16 + c.to_digit(16)?;
    }
    Some(n)
}

fn lex_string(chars: &[char], start: usize) -> Result<(String, usize), ScimError> {
    let unterminated = || {
        ScimError::invalid_filter(format!(
            "unterminated string starting at position {}",
            start + 1
        ))
    };
    let mut s = String::new();
    let mut i = start + 1;
    loop {
        let c = *chars.get(i).ok_or_else(unterminated)?;
        match c {
            '"' => return Ok((s, i + 1)),
            '\\' => {
                let esc_pos = i + 1;
                let e = *chars.get(i + 1).ok_or_else(unterminated)?;
                i += 2;
                let bad_u = || {
                    ScimError::invalid_filter(format!(
                        "invalid \\u escape at position {esc_pos} in string starting at position {}",
                        start + 1
                    ))
                };
                match e {
                    '"' => s.push('"'),
                    '\\' => s.push('\\'),
                    '/' => s.push('/'),
                    'b' => s.push('\u{8}'),
                    'f' => s.push('\u{c}'),
                    'n' => s.push('\n'),
                    'r' => s.push('\r'),
                    't' => s.push('\t'),
                    'u' => {
                        let hi = hex4(chars, i).ok_or_else(bad_u)?;
                        i += 4;
                        let code = if (0xD800..0xDC00).contains(&hi) {
                            if chars.get(i) != Some(&'\\') || chars.get(i + 1) != Some(&'u') {
                                return Err(bad_u());
                            }
                            let lo = hex4(chars, i + 2).ok_or_else(bad_u)?;
                            if !(0xDC00..0xE000).contains(&lo) {
                                return Err(bad_u());
                            }
                            i += 6;
                            0x10000 + ((hi - 0xD800) << 10) + (lo - 0xDC00)
                        } else {
                            hi
                        };
                        s.push(char::from_u32(code).ok_or_else(bad_u)?);
                    }
                    other => {
                        return Err(ScimError::invalid_filter(format!(
                            "invalid escape '\\{other}' at position {esc_pos}"
                        )));
                    }
                }
            }
            _ => {
                s.push(c);
                i += 1;
            }
        }
    }
}

fn lex(chars: &[char]) -> Result<Vec<Token>, ScimError> {
    let mut out = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if c.is_whitespace() {
            i += 1;
            continue;
        }
        let start = i;
        let tok = match c {
            '(' => {
                i += 1;
                Tok::LParen
            }
            ')' => {
                i += 1;
                Tok::RParen
            }
            '[' => {
                i += 1;
                Tok::LBrack
            }
            ']' => {
                i += 1;
                Tok::RBrack
            }
            '"' => {
                let (s, next) = lex_string(chars, i)?;
                i = next;
                Tok::Str(s)
            }
            _ => {
                while i < chars.len() && !is_delim(chars[i]) {
                    i += 1;
                }
                Tok::Word(chars[start..i].iter().collect())
            }
        };
        out.push(Token { tok, pos: start });
    }
    Ok(out)
}

fn describe(t: Option<&Token>) -> String {
    match t {
        None => "the end of the filter".to_string(),
        Some(t) => {
            let p = t.pos + 1;
            match &t.tok {
                Tok::LParen => format!("'(' at position {p}"),
                Tok::RParen => format!("')' at position {p}"),
                Tok::LBrack => format!("'[' at position {p}"),
                Tok::RBrack => format!("']' at position {p}"),
                Tok::Str(s) => format!("string \"{s}\" at position {p}"),
                Tok::Word(w) => format!("'{w}' at position {p}"),
            }
        }
    }
}

// ---------------------------------------------------------------------------
// Parser: precedence not > and > or.

struct Parser<'t> {
    toks: &'t [Token],
    i: usize,
    depth: usize,
}

impl Parser<'_> {
    fn peek_word(&self, w: &str) -> bool {
        matches!(self.toks.get(self.i), Some(Token { tok: Tok::Word(x), .. }) if x.eq_ignore_ascii_case(w))
    }

    fn enter(&mut self, pos: usize) -> Result<(), ScimError> {
        self.depth += 1;
        if self.depth > MAX_FILTER_DEPTH {
            return Err(ScimError::invalid_filter(format!(
                "filter is nested deeper than {MAX_FILTER_DEPTH} levels at position {}",
                pos + 1
            )));
        }
        Ok(())
    }

    fn close(&mut self, want: Tok, open: char, open_pos: usize) -> Result<(), ScimError> {
        let toks = self.toks;
        match toks.get(self.i) {
            Some(t) if t.tok == want => {
                self.i += 1;
                self.depth -= 1;
                Ok(())
            }
            other => {
                let close = if want == Tok::RParen { ')' } else { ']' };
                Err(ScimError::invalid_filter(format!(
                    "expected '{close}' to close the '{open}' at position {} but found {}",
                    open_pos + 1,
                    describe(other)
                )))
            }
        }
    }

    fn or_expr(&mut self, inner: bool) -> Result<Filter, ScimError> {
        let first = self.and_expr(inner)?;
        if !self.peek_word("or") {
            return Ok(first);
        }
        let mut items = vec![first];
        while self.peek_word("or") {
            self.i += 1;
            items.push(self.and_expr(inner)?);
        }
        Ok(Filter::Or(items))
    }

    fn and_expr(&mut self, inner: bool) -> Result<Filter, ScimError> {
        let first = self.unary(inner)?;
        if !self.peek_word("and") {
            return Ok(first);
        }
        let mut items = vec![first];
        while self.peek_word("and") {
            self.i += 1;
            items.push(self.unary(inner)?);
        }
        Ok(Filter::And(items))
    }

    fn unary(&mut self, inner: bool) -> Result<Filter, ScimError> {
        let toks = self.toks;
        let Some(t) = toks.get(self.i) else {
            return Err(ScimError::invalid_filter(
                "expected an expression but found the end of the filter",
            ));
        };
        match &t.tok {
            Tok::LParen => {
                self.enter(t.pos)?;
                self.i += 1;
                let f = self.or_expr(inner)?;
                self.close(Tok::RParen, '(', t.pos)?;
                Ok(f)
            }
            Tok::Word(w) if w.eq_ignore_ascii_case("not") => {
                match toks.get(self.i + 1) {
                    Some(Token {
                        tok: Tok::LParen,
                        pos: open,
                    }) => {
                        let open = *open;
                        self.enter(open)?;
                        self.i += 2;
                        let f = self.or_expr(inner)?;
                        self.close(Tok::RParen, '(', open)?;
                        Ok(Filter::Not(Box::new(f)))
                    }
                    // An attribute that happens to be called "not".
                    Some(Token {
                        tok: Tok::Word(op), ..
                    }) if op.eq_ignore_ascii_case("pr") || CompareOp::parse(op).is_some() => {
                        self.attr_expr(w, t.pos, inner)
                    }
                    _ => Err(ScimError::invalid_filter(format!(
                        "'not' at position {} must be followed by a parenthesised filter, e.g. not (userName eq \"x\")",
                        t.pos + 1
                    ))),
                }
            }
            Tok::Word(w) => self.attr_expr(w, t.pos, inner),
            _ => Err(ScimError::invalid_filter(format!(
                "expected an attribute path, '(' or 'not' but found {}",
                describe(Some(t))
            ))),
        }
    }

    fn attr_expr(&mut self, word: &str, pos: usize, inner: bool) -> Result<Filter, ScimError> {
        let path = AttrPath::parse(word).map_err(|e| {
            ScimError::invalid_filter(format!(
                "invalid attribute path at position {}: {e}",
                pos + 1
            ))
        })?;
        if inner && path.urn.is_some() {
            return Err(ScimError::invalid_filter(format!(
                "'{word}' at position {}: attribute paths inside '[...]' are relative to the multi-valued attribute and take no schema URN",
                pos + 1
            )));
        }
        self.i += 1;
        let toks = self.toks;
        match toks.get(self.i) {
            Some(Token {
                tok: Tok::LBrack,
                pos: bpos,
            }) => {
                if inner {
                    return Err(ScimError::invalid_filter(format!(
                        "'[' at position {}: value filters cannot be nested",
                        bpos + 1
                    )));
                }
                if path.sub_attr.is_some() {
                    return Err(ScimError::invalid_filter(format!(
                        "'{word}' at position {}: a value filter '[...]' applies to a multi-valued attribute, not to a sub-attribute",
                        pos + 1
                    )));
                }
                self.enter(*bpos)?;
                self.i += 1;
                let f = self.or_expr(true)?;
                self.close(Tok::RBrack, '[', *bpos)?;
                if let Some(Token {
                    tok: Tok::Word(w),
                    pos: p,
                }) = toks.get(self.i)
                    && w.starts_with('.')
                {
                    return Err(ScimError::invalid_filter(format!(
                        "'{w}' at position {}: a value path followed by a sub-attribute is not allowed in a filter (only in a PATCH path)",
                        p + 1
                    )));
                }
                Ok(Filter::ValuePath {
                    path,
                    filter: Box::new(f),
                })
            }
            Some(Token {
                tok: Tok::Word(op),
                pos: opos,
            }) => {
                if op.eq_ignore_ascii_case("pr") {
                    self.i += 1;
                    return Ok(Filter::Present(path));
                }
                let Some(cop) = CompareOp::parse(op) else {
                    return Err(ScimError::invalid_filter(format!(
                        "unknown operator '{op}' at position {}; expected eq, ne, co, sw, ew, gt, ge, lt, le or pr",
                        opos + 1
                    )));
                };
                self.i += 1;
                let value = self.comp_value(cop, *opos)?;
                Ok(Filter::Compare {
                    path,
                    op: cop,
                    value,
                })
            }
            other => Err(ScimError::invalid_filter(format!(
                "expected an operator after '{word}' (position {}) but found {}",
                pos + 1,
                describe(other)
            ))),
        }
    }

    fn comp_value(&mut self, op: CompareOp, opos: usize) -> Result<Value, ScimError> {
        let toks = self.toks;
        let v = match toks.get(self.i) {
            Some(Token {
                tok: Tok::Str(s), ..
            }) => Value::String(s.clone()),
            Some(Token {
                tok: Tok::Word(w),
                pos,
            }) => {
                if w.eq_ignore_ascii_case("true") {
                    Value::Bool(true)
                } else if w.eq_ignore_ascii_case("false") {
                    Value::Bool(false)
                } else if w.eq_ignore_ascii_case("null") {
                    Value::Null
                } else if w.starts_with(|c: char| c == '-' || c.is_ascii_digit()) {
                    let n: Number = serde_json::from_str(w).map_err(|_| {
                        ScimError::invalid_filter(format!(
                            "invalid number '{w}' at position {}",
                            pos + 1
                        ))
                    })?;
                    Value::Number(n)
                } else {
                    return Err(ScimError::invalid_filter(format!(
                        "invalid value '{w}' at position {}: strings must be in double quotes; other values are numbers, true, false or null",
                        pos + 1
                    )));
                }
            }
            other => {
                return Err(ScimError::invalid_filter(format!(
                    "expected a value after '{op}' (position {}) but found {}",
                    opos + 1,
                    describe(other)
                )));
            }
        };
        self.i += 1;
        Ok(v)
    }
}

fn parse_impl(s: &str, inner: bool) -> Result<Filter, ScimError> {
    let chars: Vec<char> = s.chars().collect();
    if chars.len() > MAX_FILTER_LEN {
        return Err(ScimError::invalid_filter(format!(
            "filter is {} characters long; at most {MAX_FILTER_LEN} are accepted",
            chars.len()
        )));
    }
    let toks = lex(&chars)?;
    if toks.is_empty() {
        return Err(ScimError::invalid_filter("the filter is empty"));
    }
    let mut p = Parser {
        toks: &toks,
        i: 0,
        depth: usize::from(inner),
    };
    let f = p.or_expr(inner)?;
    if let Some(t) = toks.get(p.i) {
        return Err(ScimError::invalid_filter(format!(
            "unexpected {} after a complete filter expression",
            describe(Some(t))
        )));
    }
    Ok(f)
}

/// Parses a `filter` query parameter (RFC 7644 §3.4.2.2).
pub fn parse_filter(s: &str) -> Result<Filter, ScimError> {
    parse_impl(s, false)
}

/// Parses the `valFilter` inside `attr[...]`: attribute paths are relative
/// to the multi-valued attribute and cannot contain further `[...]`.
pub fn parse_value_filter(s: &str) -> Result<Filter, ScimError> {
    parse_impl(s, true)
}

// ---------------------------------------------------------------------------
// Evaluation

#[derive(Clone, Copy)]
enum Scope {
    /// Paths name attributes of a resource of this kind.
    Resource(ResourceKind),
    /// Paths name sub-attributes of one value of this multi-valued attribute.
    Element(&'static Attr),
}

/// The attribute whose type and caseExact govern a comparison on `attr[.sub]`:
/// the sub-attribute, else a complex attribute's `value`, else the attribute.
fn effective(attr: &'static Attr, sub: Option<&'static Attr>) -> &'static Attr {
    sub.or_else(|| {
        if attr.is_complex() {
            attr.sub("value")
        } else {
            None
        }
    })
    .unwrap_or(attr)
}

/// The values of `attr[.sub]` inside the attribute value `v`: every value of
/// a multi-valued attribute; a complex attribute compares its `value`.
fn leaf_values<'v>(v: &'v Value, attr: &Attr, sub: Option<&Attr>) -> Vec<&'v Value> {
    let elems: Vec<&Value> = match v {
        Value::Array(a) if attr.multi_valued => a.iter().collect(),
        other => vec![other],
    };
    let key = match sub {
        Some(s) => Some(s.name),
        None if attr.is_complex() && attr.sub("value").is_some() => Some("value"),
        None => None,
    };
    match key {
        Some(k) => elems
            .into_iter()
            .filter_map(|e| e.as_object().and_then(|o| get_ci(o, k)))
            .filter(|x| !x.is_null())
            .collect(),
        None => elems.into_iter().filter(|x| !x.is_null()).collect(),
    }
}

fn target_attr(scope: Scope, path: &AttrPath) -> Option<&'static Attr> {
    match scope {
        Scope::Resource(kind) => path.resolve(kind).map(|(_, a, s)| effective(a, s)),
        Scope::Element(parent) => {
            if path.urn.is_some() || path.sub_attr.is_some() {
                return None;
            }
            match parent.sub(&path.attr) {
                Some(s) => Some(s),
                None if parent.sub_attributes.is_empty()
                    && path.attr.eq_ignore_ascii_case("value") =>
                {
                    Some(parent)
                }
                None => None,
            }
        }
    }
}

/// The attribute governing the comparison and the values to compare, or
/// `None` when the path names no attribute of the schema.
fn leaves<'v>(
    scope: Scope,
    path: &AttrPath,
    target: &'v Value,
) -> Option<(&'static Attr, Vec<&'v Value>)> {
    match scope {
        Scope::Resource(kind) => {
            let (schema, attr, sub) = path.resolve(kind)?;
            let vals = match get_attr(target, kind, schema, attr) {
                Some(v) => leaf_values(v, attr, sub),
                None => Vec::new(),
            };
            Some((effective(attr, sub), vals))
        }
        Scope::Element(parent) => {
            let eff = target_attr(scope, path)?;
            // A simple multi-valued attribute: `value` is the element itself.
            let vals = if parent.sub_attributes.is_empty() {
                vec![target]
            } else {
                target
                    .as_object()
                    .and_then(|o| get_ci(o, eff.name))
                    .filter(|v| !v.is_null())
                    .into_iter()
                    .collect()
            };
            Some((eff, vals))
        }
    }
}

/// Present: not null, not an empty string, not an empty array or object.
pub fn is_present(v: &Value) -> bool {
    match v {
        Value::Null => false,
        Value::String(s) => !s.is_empty(),
        Value::Array(a) => a.iter().any(is_present),
        Value::Object(o) => o.values().any(is_present),
        _ => true,
    }
}

fn as_bool(v: &Value) -> Option<bool> {
    match v {
        Value::Bool(b) => Some(*b),
        Value::String(s) if s.eq_ignore_ascii_case("true") => Some(true),
        Value::String(s) if s.eq_ignore_ascii_case("false") => Some(false),
        _ => None,
    }
}

fn ord_op(op: CompareOp, ord: Option<Ordering>) -> bool {
    let Some(o) = ord else { return false };
    match op {
        CompareOp::Eq => o == Ordering::Equal,
        CompareOp::Ne => o != Ordering::Equal,
        CompareOp::Gt => o == Ordering::Greater,
        CompareOp::Ge => o != Ordering::Less,
        CompareOp::Lt => o == Ordering::Less,
        CompareOp::Le => o != Ordering::Greater,
        CompareOp::Co | CompareOp::Sw | CompareOp::Ew => false,
    }
}

fn fold(s: &str, case_exact: bool) -> Cow<'_, str> {
    if case_exact {
        Cow::Borrowed(s)
    } else {
        Cow::Owned(s.to_lowercase())
    }
}

/// One stored value against the literal (`ne` is handled by the caller).
fn compare_one(eff: &Attr, op: CompareOp, actual: &Value, lit: &Value) -> bool {
    match eff.ty {
        AttrType::Complex => false,
        AttrType::Boolean => match (as_bool(actual), as_bool(lit)) {
            (Some(a), Some(b)) => op == CompareOp::Eq && a == b,
            _ => false,
        },
        AttrType::Integer | AttrType::Decimal => match (actual.as_f64(), lit.as_f64()) {
            (Some(a), Some(b)) => ord_op(op, a.partial_cmp(&b)),
            _ => false,
        },
        AttrType::String | AttrType::Reference | AttrType::DateTime | AttrType::Binary => {
            let (Some(a), Some(b)) = (actual.as_str(), lit.as_str()) else {
                return false;
            };
            if eff.ty == AttrType::DateTime
                && !op.is_substring()
                && let (Some(x), Some(y)) = (schema::parse_datetime(a), schema::parse_datetime(b))
            {
                return ord_op(op, Some(x.cmp(&y)));
            }
            let (a, b) = (fold(a, eff.case_exact), fold(b, eff.case_exact));
            match op {
                CompareOp::Co => a.contains(&*b),
                CompareOp::Sw => a.starts_with(&*b),
                CompareOp::Ew => a.ends_with(&*b),
                _ => ord_op(op, Some(a.cmp(&b))),
            }
        }
    }
}

fn compare_all(eff: &Attr, op: CompareOp, vals: &[&Value], lit: &Value) -> bool {
    if lit.is_null() {
        let present = vals.iter().any(|v| is_present(v));
        return match op {
            CompareOp::Eq => !present,
            CompareOp::Ne => present,
            _ => false,
        };
    }
    match op {
        // "Not identical": no value equals the literal (true when absent).
        CompareOp::Ne => !vals.iter().any(|v| compare_one(eff, CompareOp::Eq, v, lit)),
        _ => vals.iter().any(|v| compare_one(eff, op, v, lit)),
    }
}

fn eval(f: &Filter, scope: Scope, target: &Value) -> bool {
    match f {
        Filter::And(v) => v.iter().all(|x| eval(x, scope, target)),
        Filter::Or(v) => v.iter().any(|x| eval(x, scope, target)),
        Filter::Not(x) => !eval(x, scope, target),
        Filter::Present(p) => {
            leaves(scope, p, target).is_some_and(|(_, vals)| vals.iter().any(|v| is_present(v)))
        }
        Filter::Compare { path, op, value } => match leaves(scope, path, target) {
            Some((eff, vals)) => compare_all(eff, *op, &vals, value),
            None => false,
        },
        Filter::ValuePath { path, filter } => {
            let Scope::Resource(kind) = scope else {
                return false;
            };
            let Some((schema, attr, None)) = path.resolve(kind) else {
                return false;
            };
            match get_attr(target, kind, schema, attr) {
                Some(Value::Array(a)) => a.iter().any(|e| eval(filter, Scope::Element(attr), e)),
                Some(other) => eval(filter, Scope::Element(attr), other),
                None => false,
            }
        }
    }
}

fn check_op(eff: &Attr, op: CompareOp, lit: &Value, path: &AttrPath) -> Result<(), ScimError> {
    if op.is_ordering() || op.is_substring() {
        let why = match eff.ty {
            AttrType::Boolean => Some("boolean attributes support only eq, ne and pr"),
            AttrType::Complex => {
                Some("it is a complex attribute; compare one of its sub-attributes")
            }
            AttrType::Binary if op.is_ordering() => Some("binary attributes cannot be ordered"),
            _ => None,
        };
        if let Some(why) = why {
            return Err(ScimError::invalid_filter(format!(
                "'{path} {op}' is not supported: {why}"
            )));
        }
        if op.is_substring() && !lit.is_string() {
            return Err(ScimError::invalid_filter(format!(
                "'{path} {op}' needs a string value, got {lit}"
            )));
        }
        if !(lit.is_string() || lit.is_number()) {
            return Err(ScimError::invalid_filter(format!(
                "'{path} {op}' needs a string, number or dateTime value, got {lit}"
            )));
        }
    }
    if eff.ty == AttrType::DateTime
        && !op.is_substring()
        && let Some(s) = lit.as_str()
        && schema::parse_datetime(s).is_none()
    {
        return Err(ScimError::invalid_filter(format!(
            "'{s}' is not an RFC 3339 dateTime (compared with '{path}')"
        )));
    }
    Ok(())
}

fn validate_in(f: &Filter, scope: Scope) -> Result<(), ScimError> {
    match f {
        Filter::And(v) | Filter::Or(v) => v.iter().try_for_each(|x| validate_in(x, scope)),
        Filter::Not(x) => validate_in(x, scope),
        Filter::Present(_) => Ok(()),
        Filter::Compare { path, op, value } => match target_attr(scope, path) {
            Some(eff) => check_op(eff, *op, value, path),
            None => Ok(()),
        },
        Filter::ValuePath { path, filter } => {
            if let Scope::Resource(kind) = scope
                && let Some((_, attr, None)) = path.resolve(kind)
            {
                validate_in(filter, Scope::Element(attr))
            } else {
                Ok(())
            }
        }
    }
}

/// Checks the filter against `kind`'s schema: ordering or substring
/// operators on booleans or complex attributes, non-dateTime literals for
/// dateTime attributes. Unknown attributes are not errors.
pub fn validate(filter: &Filter, kind: ResourceKind) -> Result<(), ScimError> {
    validate_in(filter, Scope::Resource(kind))
}

/// Does `resource` (canonical JSON of `kind`) match `filter`?
pub fn matches(filter: &Filter, kind: ResourceKind, resource: &Value) -> Result<bool, ScimError> {
    validate(filter, kind)?;
    Ok(holds(filter, kind, resource))
}

/// [`matches`] for a filter [`validate`] has accepted for `kind` (a list
/// checks its filter once, not once per resource).
pub fn holds(filter: &Filter, kind: ResourceKind, resource: &Value) -> bool {
    eval(filter, Scope::Resource(kind), resource)
}

/// [`validate`] for a value filter on the multi-valued attribute `parent`.
pub fn validate_element(filter: &Filter, parent: &'static Attr) -> Result<(), ScimError> {
    validate_in(filter, Scope::Element(parent))
}

/// Does one value of the multi-valued attribute `parent` match a value
/// filter (the inside of `parent[...]`, as from [`parse_value_filter`])?
pub fn matches_element(
    filter: &Filter,
    parent: &'static Attr,
    element: &Value,
) -> Result<bool, ScimError> {
    validate_in(filter, Scope::Element(parent))?;
    Ok(eval(filter, Scope::Element(parent), element))
}

/// The single top-level `attr eq "string"` of a filter, for index lookups
/// (`userName`, `externalId`, `displayName`, `id`); `None` for anything else.
/// The caller still checks which attribute it is, e.g. with
/// [`AttrPath::is_core_attr`], and applies its caseExact rule.
pub fn equality_on(filter: &Filter) -> Option<(&AttrPath, &str)> {
    match filter {
        Filter::Compare {
            path,
            op: CompareOp::Eq,
            value: Value::String(s),
        } => Some((path, s.as_str())),
        _ => None,
    }
}

/// The `eq` comparisons of a filter made only of `eq` joined by `and`
/// (e.g. `type eq "work" and primary eq true`), else `None`.
pub fn equalities(filter: &Filter) -> Option<Vec<(&AttrPath, &Value)>> {
    match filter {
        Filter::Compare {
            path,
            op: CompareOp::Eq,
            value,
        } => Some(vec![(path, value)]),
        Filter::And(v) => {
            let mut out = Vec::new();
            for x in v {
                out.extend(equalities(x)?);
            }
            Some(out)
        }
        _ => None,
    }
}

// ---------------------------------------------------------------------------
// Sorting (RFC 7644 §3.4.2.3)

fn sort_key<'v>(
    kind: ResourceKind,
    res: &'v Value,
    schema: &Schema,
    attr: &Attr,
    sub: Option<&Attr>,
) -> Option<&'v Value> {
    let v = get_attr(res, kind, schema, attr)?;
    let elem = match v {
        Value::Array(a) if attr.multi_valued => a
            .iter()
            .find(|e| {
                e.as_object()
                    .and_then(|o| get_ci(o, "primary"))
                    .and_then(as_bool)
                    == Some(true)
            })
            .or_else(|| a.first())?,
        other => other,
    };
    let key = match sub {
        Some(s) => Some(s.name),
        None if attr.is_complex() && attr.sub("value").is_some() => Some("value"),
        None => None,
    };
    let leaf = match key {
        Some(k) => elem.as_object().and_then(|o| get_ci(o, k))?,
        None => elem,
    };
    Some(leaf).filter(|l| is_present(l))
}

fn order_values(eff: &Attr, x: &Value, y: &Value) -> Ordering {
    match eff.ty {
        AttrType::Boolean => as_bool(x).cmp(&as_bool(y)),
        AttrType::Integer | AttrType::Decimal => match (x.as_f64(), y.as_f64()) {
            (Some(a), Some(b)) => a.partial_cmp(&b).unwrap_or(Ordering::Equal),
            _ => Ordering::Equal,
        },
        _ => match (x.as_str(), y.as_str()) {
            (Some(a), Some(b)) => {
                if eff.ty == AttrType::DateTime
                    && let (Some(p), Some(q)) =
                        (schema::parse_datetime(a), schema::parse_datetime(b))
                {
                    return p.cmp(&q);
                }
                fold(a, eff.case_exact).cmp(&fold(b, eff.case_exact))
            }
            _ => Ordering::Equal,
        },
    }
}

/// Ascending order of two resources by `path` (RFC 7644 §3.4.2.3):
/// multi-valued attributes sort by their primary value (else the first);
/// strings follow caseExact, dateTimes sort chronologically; resources
/// without a value sort last. Reverse it for `descending`.
pub fn compare_for_sort(kind: ResourceKind, a: &Value, b: &Value, path: &AttrPath) -> Ordering {
    let Some((schema, attr, sub)) = path.resolve(kind) else {
        return Ordering::Equal;
    };
    let eff = effective(attr, sub);
    match (
        sort_key(kind, a, schema, attr, sub),
        sort_key(kind, b, schema, attr, sub),
    ) {
        (None, None) => Ordering::Equal,
        (None, Some(_)) => Ordering::Greater,
        (Some(_), None) => Ordering::Less,
        (Some(x), Some(y)) => order_values(eff, x, y),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    const ENT: &str = schema::ENTERPRISE_USER_URN;

    fn user() -> Value {
        json!({
            "schemas": [schema::USER_URN, ENT],
            "id": "2819c223-7f76-453a-919d-413861904646",
            "externalId": "Bjensen-EXT",
            "userName": "BJensen@Example.com",
            "displayName": "Babs Jensen",
            "title": "Tour Guide",
            "active": true,
            "name": {"givenName": "Barbara", "familyName": "Jensen"},
            "emails": [
                {"value": "bjensen@example.com", "type": "work", "primary": true},
                {"value": "babs@jensen.org", "type": "home"}
            ],
            "meta": {
                "resourceType": "User",
                "created": "2023-05-01T10:00:00Z",
                "lastModified": "2024-03-01T12:00:00+02:00"
            },
            ENT: {"employeeNumber": "701984", "department": "Tour Operations",
                  "manager": {"value": "26118915-6090-4610-87e4-49d8ca9f808d"}}
        })
    }

    fn m(f: &str) -> bool {
        let parsed = parse_filter(f).unwrap_or_else(|e| panic!("parse {f}: {e}"));
        matches(&parsed, ResourceKind::User, &user()).unwrap_or_else(|e| panic!("match {f}: {e}"))
    }

    fn err(f: &str) -> ScimError {
        match parse_filter(f) {
            Ok(p) => matches(&p, ResourceKind::User, &user()).expect_err(f),
            Err(e) => e,
        }
    }

    fn path(s: &str) -> AttrPath {
        AttrPath::parse(s).unwrap()
    }

    #[test]
    fn parse_shapes() {
        assert_eq!(
            parse_filter("userName eq \"bjensen\"").unwrap(),
            Filter::Compare {
                path: path("userName"),
                op: CompareOp::Eq,
                value: json!("bjensen")
            }
        );
        assert_eq!(
            parse_filter("title pr").unwrap(),
            Filter::Present(path("title"))
        );
        // not > and > or
        let f = parse_filter("a pr or b pr and not (c pr)").unwrap();
        assert_eq!(
            f,
            Filter::Or(vec![
                Filter::Present(path("a")),
                Filter::And(vec![
                    Filter::Present(path("b")),
                    Filter::Not(Box::new(Filter::Present(path("c"))))
                ])
            ])
        );
        let f = parse_filter("(a pr or b pr) and c pr").unwrap();
        assert!(matches!(&f, Filter::And(v) if matches!(v[0], Filter::Or(_))));
        let f = parse_filter("emails[type eq \"work\" and value co \"@acme\"]").unwrap();
        let Filter::ValuePath { path: p, filter } = f else {
            panic!("not a value path")
        };
        assert_eq!(p, path("emails"));
        assert!(matches!(*filter, Filter::And(ref v) if v.len() == 2));
        // Numbers, keywords any case, escapes.
        assert_eq!(
            parse_filter("x eq 1.5").unwrap(),
            Filter::Compare {
                path: path("x"),
                op: CompareOp::Eq,
                value: json!(1.5)
            }
        );
        assert_eq!(
            parse_filter("x GT -3").unwrap(),
            Filter::Compare {
                path: path("x"),
                op: CompareOp::Gt,
                value: json!(-3)
            }
        );
        assert_eq!(
            parse_filter("x Eq TRUE").unwrap(),
            Filter::Compare {
                path: path("x"),
                op: CompareOp::Eq,
                value: json!(true)
            }
        );
        assert_eq!(
            parse_filter("x eq False").unwrap(),
            Filter::Compare {
                path: path("x"),
                op: CompareOp::Eq,
                value: json!(false)
            }
        );
        assert_eq!(
            parse_filter("x ne NULL").unwrap(),
            Filter::Compare {
                path: path("x"),
                op: CompareOp::Ne,
                value: Value::Null
            }
        );
        assert_eq!(
            parse_filter(r#"x eq "a\"b\\c\u00e9\/\n\ud83d\ude00""#).unwrap(),
            Filter::Compare {
                path: path("x"),
                op: CompareOp::Eq,
                value: json!("a\"b\\cé/\n😀")
            }
        );
        assert!(parse_filter("a pr AND b pr OR NOT(c pr)").is_ok());
        assert!(parse_filter("members[value eq \"1\"] or x pr").is_ok());
    }

    #[test]
    fn urn_paths_parse() {
        let f = parse_filter(
            "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:employeeNumber eq \"701984\"",
        )
        .unwrap();
        let Filter::Compare { path: p, .. } = &f else {
            panic!()
        };
        assert_eq!(p.urn.as_deref(), Some(ENT));
        assert_eq!(p.attr, "employeeNumber");
        let p = path("urn:ietf:params:scim:schemas:core:2.0:User:name.givenName");
        assert_eq!(p.urn.as_deref(), Some(schema::USER_URN));
        assert_eq!(
            (p.attr.as_str(), p.sub_attr.as_deref()),
            ("name", Some("givenName"))
        );
        let p = path("urn:example:custom:1.0:Thing:color");
        assert_eq!(p.urn.as_deref(), Some("urn:example:custom:1.0:Thing"));
        assert_eq!(p.to_string(), "urn:example:custom:1.0:Thing:color");
        assert_eq!(path("$ref").attr, "$ref");
        assert!(AttrPath::parse("a.b.c").is_err());
        assert!(AttrPath::parse("1abc").is_err());
        assert!(AttrPath::parse("a b").is_err());
    }

    #[test]
    fn every_operator() {
        assert!(m("title eq \"Tour Guide\""));
        assert!(!m("title eq \"Tour\""));
        assert!(m("title ne \"Tour\""));
        assert!(!m("title ne \"tour guide\""));
        assert!(m("title co \"our G\""));
        assert!(!m("title co \"xyz\""));
        assert!(m("title sw \"tour\""));
        assert!(!m("title sw \"Guide\""));
        assert!(m("title ew \"GUIDE\""));
        assert!(!m("title ew \"Tour\""));
        assert!(m("title gt \"Tour Apple\""));
        assert!(!m("title gt \"Tour Guide\""));
        assert!(m("title ge \"Tour Guide\""));
        assert!(m("title lt \"Tour Zebra\""));
        assert!(!m("title lt \"Tour Guide\""));
        assert!(m("title le \"tour guide\""));
        assert!(!m("title le \"Tour Apple\""));
        assert!(m("title pr"));
        assert!(!m("nickName pr"));
        assert!(m("active eq true"));
        assert!(!m("active eq false"));
        assert!(m("active ne false"));
        assert!(m("active pr"));
    }

    #[test]
    fn logic_precedence_and_grouping() {
        // and binds tighter than or: false and false or true = true.
        assert!(m("title eq \"x\" and title eq \"y\" or active eq true"));
        // grouping changes it: false and (false or true) = false.
        assert!(!m("title eq \"x\" and (title eq \"y\" or active eq true)"));
        // or of false, then and: true or (false and false) = true
        assert!(m("active eq true or title eq \"x\" and title eq \"y\""));
        assert!(!m("not (active eq true)"));
        assert!(m("not (title eq \"x\") and not(nickName pr)"));
        // not binds tighter than and.
        assert!(!m("not (title pr) and active eq true"));
        assert!(m("((((title pr))))"));
    }

    #[test]
    fn case_rules() {
        // userName is caseExact false.
        assert!(m("userName eq \"bjensen@example.com\""));
        assert!(m("USERNAME Eq \"BJENSEN@EXAMPLE.COM\""));
        // externalId and id are caseExact.
        assert!(m("externalId eq \"Bjensen-EXT\""));
        assert!(!m("externalId eq \"bjensen-ext\""));
        assert!(m("id eq \"2819c223-7f76-453a-919d-413861904646\""));
        assert!(!m("id eq \"2819C223-7F76-453A-919D-413861904646\""));
        assert!(!m("id sw \"2819C\""));
        // Case-insensitive attribute names, also in the resource.
        let r = json!({"USERNAME": "Ann", "Emails": [{"VALUE": "a@x.org", "Type": "work"}]});
        let f = parse_filter("userName eq \"ann\" and emails[type eq \"WORK\"]").unwrap();
        assert!(matches(&f, ResourceKind::User, &r).unwrap());
    }

    #[test]
    fn multi_valued_and_complex() {
        assert!(m("emails co \"jensen.org\""));
        assert!(m("emails.value ew \"@example.com\""));
        assert!(m("emails.type eq \"home\""));
        // ne: no value equals the literal.
        assert!(!m("emails.type ne \"home\""));
        assert!(m("emails.type ne \"other\""));
        assert!(m("emails[type eq \"work\" and value co \"@example\"]"));
        assert!(!m("emails[type eq \"home\" and value co \"@example\"]"));
        assert!(m("emails[type eq \"home\" or primary eq true]"));
        assert!(m("emails[not (type eq \"work\")]"));
        assert!(m("emails[primary pr] and name.familyName eq \"jensen\""));
        assert!(m("name.givenName sw \"Bar\""));
        assert!(m("emails pr"));
        assert!(!m("phoneNumbers pr"));
        assert!(!m("phoneNumbers[type eq \"work\"]"));
        // manager compares its value.
        assert!(m("manager eq \"26118915-6090-4610-87e4-49d8ca9f808d\""));
        assert!(m("manager.value pr"));
    }

    #[test]
    fn extension_attributes() {
        assert!(m(
            "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:employeeNumber eq \"701984\""
        ));
        assert!(m(
            "URN:IETF:PARAMS:SCIM:SCHEMAS:EXTENSION:ENTERPRISE:2.0:USER:department co \"tour\""
        ));
        assert!(m("employeeNumber eq \"701984\""));
        assert!(m(
            "urn:ietf:params:scim:schemas:core:2.0:User:userName sw \"bjensen\""
        ));
        assert!(m(
            "urn:ietf:params:scim:schemas:core:2.0:User:name.givenName eq \"barbara\""
        ));
        // Wrong schema for the attribute / unknown schema.
        assert!(!m(
            "urn:ietf:params:scim:schemas:core:2.0:User:employeeNumber eq \"701984\""
        ));
        assert!(!m("urn:example:other:1.0:User:userName pr"));
    }

    #[test]
    fn unknown_attributes_and_absent_values() {
        assert!(!m("nonsense eq \"x\""));
        assert!(!m("nonsense pr"));
        assert!(!m("nonsense ne \"x\""));
        assert!(m("not (nonsense eq \"x\")"));
        assert!(!m("name.nonsense eq \"x\""));
        // ne on an absent known attribute is true; eq false.
        assert!(m("nickName ne \"x\""));
        assert!(!m("nickName eq \"x\""));
        assert!(m("nickName eq null"));
        assert!(m("title ne null"));
        let r = json!({"userName": "a", "nickName": "", "emails": [], "name": {}});
        let f = parse_filter("nickName pr or emails pr or name pr").unwrap();
        assert!(!matches(&f, ResourceKind::User, &r).unwrap());
        // Type mismatches do not match.
        assert!(!m("title eq 5"));
        assert!(!m("active eq \"yes\""));
        assert!(m("active eq \"True\""));
    }

    #[test]
    fn datetime_comparisons() {
        assert!(m("meta.lastModified gt \"2024-03-01T09:59:59Z\""));
        assert!(!m("meta.lastModified gt \"2024-03-01T10:00:00Z\""));
        assert!(m("meta.lastModified ge \"2024-03-01T10:00:00Z\""));
        assert!(m("meta.lastModified eq \"2024-03-01T10:00:00Z\""));
        // Lexicographically "2024-03-01T11..." > "2024-03-01T12:00:00+02:00" is false
        // but chronologically 11:00Z is later.
        assert!(m("meta.lastModified lt \"2024-03-01T11:00:00Z\""));
        assert!(m("meta.created lt \"2023-05-01T10:00:00.001Z\""));
        assert!(!m("meta.created le \"2023-05-01T09:59:59Z\""));
        assert!(m("meta.created sw \"2023-05\""));
        let e = err("meta.lastModified gt \"yesterday\"");
        assert_eq!(e.scim_type, Some("invalidFilter"));
        assert!(e.detail.contains("yesterday"));
    }

    #[test]
    fn group_filters() {
        let g = json!({"displayName": "Admins", "members": [{"value": "u1", "display": "Ann"}, {"value": "U2"}]});
        let t = |f: &str| matches(&parse_filter(f).unwrap(), ResourceKind::Group, &g).unwrap();
        assert!(t("displayName eq \"admins\""));
        assert!(t("members[value eq \"u1\"]"));
        assert!(!t("members[value eq \"U1\"]"));
        assert!(t("members eq \"U2\""));
        assert!(t("members.display co \"an\""));
        assert!(!t("userName pr"));
    }

    #[test]
    fn bad_filters() {
        let bad = [
            ("userName eq \"abc", "unterminated"),
            ("userName xx \"a\"", "unknown operator 'xx' at position 10"),
            ("active gt true", "boolean"),
            ("active co \"t\"", "boolean"),
            ("name gt \"x\"", "complex"),
            ("userName eq \"a\" junk", "position 17"),
            ("userName eq \"a\")", "')' at position 16"),
            ("(userName eq \"a\"", "expected ')'"),
            ("userName eq", "expected a value"),
            ("userName eq bjensen", "double quotes"),
            ("userName", "expected an operator"),
            ("", "empty"),
            ("   ", "empty"),
            ("userName eq \"a\" and", "end of the filter"),
            ("not userName eq \"a\"", "parenthesised"),
            ("emails[type eq \"work\"].value eq \"x\"", "sub-attribute"),
            ("emails[type[value eq \"x\"]]", "nested"),
            ("emails[type eq \"work\"", "expected ']'"),
            ("x eq \"\\q\"", "invalid escape"),
            ("x eq \"\\u12\"", "\\u escape"),
            ("x eq \"\\ud800\"", "\\u escape"),
            ("x eq 1.2.3", "invalid number"),
            ("1x eq \"a\"", "invalid attribute path"),
            ("userName gt null", "needs a string"),
            ("title co 5", "needs a string value"),
            ("emails.value[type eq \"x\"]", "sub-attribute"),
            ("emails[urn:x:y:type eq \"x\"]", "relative"),
            ("and pr and", "end of the filter"),
        ];
        for (f, want) in bad {
            let e = err(f);
            assert_eq!(e.scim_type, Some("invalidFilter"), "{f}");
            assert_eq!(e.status, 400);
            assert!(e.detail.contains(want), "{f}: {}", e.detail);
        }
    }

    #[test]
    fn limits() {
        let ok = format!("{}title pr{}", "(".repeat(32), ")".repeat(32));
        assert!(parse_filter(&ok).is_ok());
        let deep = format!("{}title pr{}", "(".repeat(33), ")".repeat(33));
        let e = parse_filter(&deep).unwrap_err();
        assert!(e.detail.contains("nested deeper than 32"), "{}", e.detail);
        let deep_not = format!("{}title pr{}", "not (".repeat(33), ")".repeat(33));
        assert_eq!(
            parse_filter(&deep_not).unwrap_err().scim_type,
            Some("invalidFilter")
        );
        let long = format!("title eq \"{}\"", "a".repeat(4096));
        assert!(parse_filter(&long).unwrap_err().detail.contains("4096"));
        let exact = format!("title eq \"{}\"", "a".repeat(4096 - 11));
        assert!(parse_filter(&exact).is_ok());
        // Long and/or chains are fine.
        let chain = ["title pr"; 300].join(" and ");
        assert!(m(&chain));
    }

    #[test]
    fn equality_pushdown() {
        let f = parse_filter("userName eq \"Bob\"").unwrap();
        let (p, v) = equality_on(&f).unwrap();
        assert!(p.is_core_attr(ResourceKind::User, "username"));
        assert_eq!(v, "Bob");
        let f = parse_filter("externalId eq \"e1\"").unwrap();
        assert!(
            equality_on(&f)
                .unwrap()
                .0
                .is_core_attr(ResourceKind::User, "externalId")
        );
        let f = parse_filter("urn:ietf:params:scim:schemas:core:2.0:Group:displayName eq \"g\"")
            .unwrap();
        assert!(
            equality_on(&f)
                .unwrap()
                .0
                .is_core_attr(ResourceKind::Group, "displayName")
        );
        let f = parse_filter("id eq \"x\"").unwrap();
        assert!(
            equality_on(&f)
                .unwrap()
                .0
                .is_core_attr(ResourceKind::Group, "id")
        );
        assert!(equality_on(&parse_filter("userName eq \"a\" and title pr").unwrap()).is_none());
        assert!(equality_on(&parse_filter("userName co \"a\"").unwrap()).is_none());
        assert!(equality_on(&parse_filter("active eq true").unwrap()).is_none());
        assert!(
            equality_on(&parse_filter("(userName eq \"a\") or userName eq \"b\"").unwrap())
                .is_none()
        );
        let f = parse_filter("employeeNumber eq \"1\"").unwrap();
        assert!(
            !equality_on(&f)
                .unwrap()
                .0
                .is_core_attr(ResourceKind::User, "employeeNumber")
        );
        let f = parse_value_filter("type eq \"work\" and primary eq true").unwrap();
        let eqs = equalities(&f).unwrap();
        assert_eq!(eqs.len(), 2);
        assert_eq!(eqs[1].1, &json!(true));
        assert!(
            equalities(&parse_value_filter("type eq \"a\" or type eq \"b\"").unwrap()).is_none()
        );
    }

    #[test]
    fn element_matching() {
        let (_, emails) = schema::find_attr(ResourceKind::User, None, "emails").unwrap();
        let f = parse_value_filter("type eq \"WORK\"").unwrap();
        assert!(matches_element(&f, emails, &json!({"type": "work"})).unwrap());
        assert!(!matches_element(&f, emails, &json!({"type": "home"})).unwrap());
        let f = parse_value_filter("primary gt true").unwrap();
        assert!(matches_element(&f, emails, &json!({})).is_err());
    }

    #[test]
    fn sorting() {
        let a = json!({"userName": "alice", "emails": [{"value": "z@x", "primary": false}, {"value": "b@x", "primary": true}],
                       "meta": {"lastModified": "2024-01-01T12:00:00+05:00"}});
        let b = json!({"userName": "Bob", "emails": [{"value": "c@x"}],
                       "meta": {"lastModified": "2024-01-01T08:00:00Z"}});
        let c = json!({"externalId": "X"});
        let k = ResourceKind::User;
        assert_eq!(
            compare_for_sort(k, &a, &b, &path("userName")),
            Ordering::Less
        );
        assert_eq!(
            compare_for_sort(k, &b, &a, &path("userName")),
            Ordering::Greater
        );
        // missing sorts last
        assert_eq!(
            compare_for_sort(k, &c, &a, &path("userName")),
            Ordering::Greater
        );
        assert_eq!(
            compare_for_sort(k, &a, &c, &path("userName")),
            Ordering::Less
        );
        // primary email b@x < c@x
        assert_eq!(compare_for_sort(k, &a, &b, &path("emails")), Ordering::Less);
        assert_eq!(
            compare_for_sort(k, &a, &b, &path("emails.value")),
            Ordering::Less
        );
        // 12:00+05:00 = 07:00Z is earlier than 08:00Z
        assert_eq!(
            compare_for_sort(k, &a, &b, &path("meta.lastModified")),
            Ordering::Less
        );
        // caseExact externalId: "X" vs "a"
        let d = json!({"externalId": "a"});
        assert_eq!(
            compare_for_sort(k, &c, &d, &path("externalId")),
            Ordering::Less
        );
        assert_eq!(
            compare_for_sort(k, &a, &b, &path("unknown")),
            Ordering::Equal
        );
        let mut v = [c.clone(), b.clone(), a.clone()];
        v.sort_by(|x, y| compare_for_sort(k, x, y, &path("username")));
        assert_eq!(v[0]["userName"], "alice");
        assert_eq!(v[2], c);
    }
}
