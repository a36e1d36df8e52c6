//! Static RFC 7643 schema data for the attributes this service stores and
//! returns, lookups over it, and the `/Schemas` JSON representation.

use serde_json::{Map, Value, json};

pub const USER_URN: &str = "urn:ietf:params:scim:schemas:core:2.0:User";
pub const ENTERPRISE_USER_URN: &str = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";
pub const GROUP_URN: &str = "urn:ietf:params:scim:schemas:core:2.0:Group";
pub const SCHEMA_URN: &str = "urn:ietf:params:scim:schemas:core:2.0:Schema";
pub const RESOURCE_TYPE_URN: &str = "urn:ietf:params:scim:schemas:core:2.0:ResourceType";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AttrType {
    String,
    Boolean,
    Decimal,
    Integer,
    DateTime,
    Reference,
    Complex,
    Binary,
}

impl AttrType {
    pub const fn as_str(self) -> &'static str {
        match self {
            AttrType::String => "string",
            AttrType::Boolean => "boolean",
            AttrType::Decimal => "decimal",
            AttrType::Integer => "integer",
            AttrType::DateTime => "dateTime",
            AttrType::Reference => "reference",
            AttrType::Complex => "complex",
            AttrType::Binary => "binary",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mutability {
    ReadOnly,
    ReadWrite,
    Immutable,
    WriteOnly,
}

impl Mutability {
    pub const fn as_str(self) -> &'static str {
        match self {
            Mutability::ReadOnly => "readOnly",
            Mutability::ReadWrite => "readWrite",
            Mutability::Immutable => "immutable",
            Mutability::WriteOnly => "writeOnly",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Returned {
    Always,
    Never,
    Default,
    Request,
}

impl Returned {
    pub const fn as_str(self) -> &'static str {
        match self {
            Returned::Always => "always",
            Returned::Never => "never",
            Returned::Default => "default",
            Returned::Request => "request",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Uniqueness {
    None,
    Server,
    Global,
}

impl Uniqueness {
    pub const fn as_str(self) -> &'static str {
        match self {
            Uniqueness::None => "none",
            Uniqueness::Server => "server",
            Uniqueness::Global => "global",
        }
    }
}

/// One attribute definition with every RFC 7643 §7 characteristic.
#[derive(Debug, PartialEq)]
pub struct Attr {
    pub name: &'static str,
    pub ty: AttrType,
    pub multi_valued: bool,
    pub description: &'static str,
    pub required: bool,
    pub canonical_values: &'static [&'static str],
    pub case_exact: bool,
    pub mutability: Mutability,
    pub returned: Returned,
    pub uniqueness: Uniqueness,
    pub reference_types: &'static [&'static str],
    pub sub_attributes: &'static [Attr],
}

const fn attr(name: &'static str, ty: AttrType, description: &'static str) -> Attr {
    Attr {
        name,
        ty,
        multi_valued: false,
        description,
        required: false,
        canonical_values: &[],
        case_exact: false,
        mutability: Mutability::ReadWrite,
        returned: Returned::Default,
        uniqueness: Uniqueness::None,
        reference_types: &[],
        sub_attributes: &[],
    }
}

const fn string(name: &'static str, description: &'static str) -> Attr {
    attr(name, AttrType::String, description)
}

const fn boolean(name: &'static str, description: &'static str) -> Attr {
    attr(name, AttrType::Boolean, description)
}

const fn reference(
    name: &'static str,
    types: &'static [&'static str],
    description: &'static str,
) -> Attr {
    let mut a = attr(name, AttrType::Reference, description);
    a.reference_types = types;
    a
}

const fn complex(name: &'static str, subs: &'static [Attr], description: &'static str) -> Attr {
    let mut a = attr(name, AttrType::Complex, description);
    a.sub_attributes = subs;
    a
}

impl Attr {
    const fn multi(mut self) -> Self {
        self.multi_valued = true;
        self
    }
    const fn req(mut self) -> Self {
        self.required = true;
        self
    }
    const fn exact(mut self) -> Self {
        self.case_exact = true;
        self
    }
    const fn read_only(mut self) -> Self {
        self.mutability = Mutability::ReadOnly;
        self
    }
    const fn immutable(mut self) -> Self {
        self.mutability = Mutability::Immutable;
        self
    }
    const fn always(mut self) -> Self {
        self.returned = Returned::Always;
        self
    }
    const fn unique(mut self) -> Self {
        self.uniqueness = Uniqueness::Server;
        self
    }
    const fn canon(mut self, values: &'static [&'static str]) -> Self {
        self.canonical_values = values;
        self
    }

    /// Sub-attribute by name, case-insensitively.
    pub fn sub(&self, name: &str) -> Option<&Attr> {
        self.sub_attributes
            .iter()
            .find(|a| a.name.eq_ignore_ascii_case(name))
    }

    pub fn is_complex(&self) -> bool {
        self.ty == AttrType::Complex
    }

    /// String-like types whose JSON representation is a string.
    pub fn is_stringy(&self) -> bool {
        matches!(
            self.ty,
            AttrType::String | AttrType::Reference | AttrType::DateTime | AttrType::Binary
        )
    }
}

/// A schema (RFC 7643 §7).
#[derive(Debug, PartialEq)]
pub struct Schema {
    pub id: &'static str,
    pub name: &'static str,
    pub description: &'static str,
    pub attributes: &'static [Attr],
}

impl Schema {
    /// Attribute by name, case-insensitively (common attributes excluded).
    pub fn attr(&self, name: &str) -> Option<&Attr> {
        self.attributes
            .iter()
            .find(|a| a.name.eq_ignore_ascii_case(name))
    }
}

// ---------------------------------------------------------------------------
// Schema data (RFC 7643 §8.7.1 characteristics).

const PRIMARY_DESC: &str = "A Boolean value indicating the 'primary' or preferred attribute value for this attribute.  The primary attribute value 'true' MUST appear no more than once.";
const DISPLAY_DESC: &str =
    "A human-readable name, primarily used for display purposes.  READ-ONLY.";

const NAME_SUBS: &[Attr] = &[
    string(
        "formatted",
        "The full name, including all middle names, titles, and suffixes as appropriate, formatted for display (e.g., 'Ms. Barbara J Jensen, III').",
    ),
    string(
        "familyName",
        "The family name of the User, or last name in most Western languages (e.g., 'Jensen' given the full name 'Ms. Barbara J Jensen, III').",
    ),
    string(
        "givenName",
        "The given name of the User, or first name in most Western languages (e.g., 'Barbara' given the full name 'Ms. Barbara J Jensen, III').",
    ),
    string(
        "middleName",
        "The middle name(s) of the User (e.g., 'Jane' given the full name 'Ms. Barbara J Jensen, III').",
    ),
    string(
        "honorificPrefix",
        "The honorific prefix(es) of the User, or title in most Western languages (e.g., 'Ms.' given the full name 'Ms. Barbara J Jensen, III').",
    ),
    string(
        "honorificSuffix",
        "The honorific suffix(es) of the User, or suffix in most Western languages (e.g., 'III' given the full name 'Ms. Barbara J Jensen, III').",
    ),
];

const EMAIL_SUBS: &[Attr] = &[
    string(
        "value",
        "Email addresses for the user.  The value SHOULD be canonicalized by the service provider, e.g., 'bjensen@example.com' instead of 'bjensen@EXAMPLE.COM'.  Canonical type values of 'work', 'home', and 'other'.",
    ),
    string("display", DISPLAY_DESC),
    string(
        "type",
        "A label indicating the attribute's function, e.g., 'work' or 'home'.",
    )
    .canon(&["work", "home", "other"]),
    boolean("primary", PRIMARY_DESC),
];

const PHONE_SUBS: &[Attr] = &[
    string("value", "Phone number of the User."),
    string("display", DISPLAY_DESC),
    string(
        "type",
        "A label indicating the attribute's function, e.g., 'work', 'home', 'mobile'.",
    )
    .canon(&["work", "home", "mobile", "fax", "pager", "other"]),
    boolean("primary", PRIMARY_DESC),
];

const ADDRESS_SUBS: &[Attr] = &[
    string(
        "formatted",
        "The full mailing address, formatted for display or use with a mailing label.  This attribute MAY contain newlines.",
    ),
    string(
        "streetAddress",
        "The full street address component, which may include house number, street name, P.O. box, and multi-line extended street address information.  This attribute MAY contain newlines.",
    ),
    string("locality", "The city or locality component."),
    string("region", "The state or region component."),
    string("postalCode", "The zip code or postal code component."),
    string("country", "The country name component."),
    string(
        "type",
        "A label indicating the attribute's function, e.g., 'work' or 'home'.",
    )
    .canon(&["work", "home", "other"]),
    boolean("primary", PRIMARY_DESC),
];

const USER_GROUP_SUBS: &[Attr] = &[
    string("value", "The identifier of the User's group.").read_only(),
    reference(
        "$ref",
        &["User", "Group"],
        "The URI of the corresponding 'Group' resource to which the user belongs.",
    )
    .read_only(),
    string("display", DISPLAY_DESC).read_only(),
    string(
        "type",
        "A label indicating the attribute's function, e.g., 'direct' or 'indirect'.",
    )
    .canon(&["direct", "indirect"])
    .read_only(),
];

const USER_ATTRS: &[Attr] = &[
    string(
        "userName",
        "Unique identifier for the User, typically used by the user to directly authenticate to the service provider.  Each User MUST include a non-empty userName value.  This identifier MUST be unique across the service provider's entire set of Users.  REQUIRED.",
    )
    .req()
    .unique(),
    complex(
        "name",
        NAME_SUBS,
        "The components of the user's real name.  Providers MAY return just the full name as a single string in the formatted sub-attribute, or they MAY return just the individual component attributes using the other sub-attributes, or they MAY return both.",
    ),
    string(
        "displayName",
        "The name of the User, suitable for display to end-users.  The name SHOULD be the full name of the User being described, if known.",
    ),
    string(
        "nickName",
        "The casual way to address the user in real life, e.g., 'Bob' or 'Bobby' instead of 'Robert'.  This attribute SHOULD NOT be used to represent a User's username (e.g., 'bjensen' or 'mpepperidge').",
    ),
    reference(
        "profileUrl",
        &["external"],
        "A fully qualified URL pointing to a page representing the User's online profile.",
    ),
    string(
        "title",
        "The user's title, such as \"Vice President.\"",
    ),
    string(
        "userType",
        "Used to identify the relationship between the organization and the user.  Typical values used might be 'Contractor', 'Employee', 'Intern', 'Temp', 'External', and 'Unknown', but any value may be used.",
    ),
    string(
        "preferredLanguage",
        "Indicates the User's preferred written or spoken language.  Generally used for selecting a localized user interface; e.g., 'en_US' specifies the language English and country US.",
    ),
    string(
        "locale",
        "Used to indicate the User's default location for purposes of localizing items such as currency, date time format, or numerical representations.",
    ),
    string(
        "timezone",
        "The User's time zone in the 'Olson' time zone database format, e.g., 'America/Los_Angeles'.",
    ),
    boolean(
        "active",
        "A Boolean value indicating the User's administrative status.",
    ),
    complex(
        "emails",
        EMAIL_SUBS,
        "Email addresses for the user.  The value SHOULD be canonicalized by the service provider, e.g., 'bjensen@example.com' instead of 'bjensen@EXAMPLE.COM'.  Canonical type values of 'work', 'home', and 'other'.",
    )
    .multi(),
    complex(
        "phoneNumbers",
        PHONE_SUBS,
        "Phone numbers for the User.  The value SHOULD be canonicalized by the service provider according to the format specified in RFC 3966, e.g., 'tel:+1-201-555-0123'.  Canonical type values of 'work', 'home', 'mobile', 'fax', 'pager', and 'other'.",
    )
    .multi(),
    complex(
        "addresses",
        ADDRESS_SUBS,
        "A physical mailing address for this User.  Canonical type values of 'work', 'home', and 'other'.",
    )
    .multi(),
    complex(
        "groups",
        USER_GROUP_SUBS,
        "A list of groups to which the user belongs, either through direct membership, through nested groups, or dynamically calculated.",
    )
    .multi()
    .read_only(),
];

const MANAGER_SUBS: &[Attr] = &[
    string(
        "value",
        "The id of the SCIM resource representing the User's manager.  REQUIRED.",
    ),
    reference(
        "$ref",
        &["User"],
        "The URI of the SCIM resource representing the User's manager.  REQUIRED.",
    ),
    string(
        "displayName",
        "The displayName of the User's manager.  OPTIONAL and READ-ONLY.",
    )
    .read_only(),
];

const ENTERPRISE_ATTRS: &[Attr] = &[
    string(
        "employeeNumber",
        "Numeric or alphanumeric identifier assigned to a person, typically based on order of hire or association with an organization.",
    ),
    string("costCenter", "Identifies the name of a cost center."),
    string("organization", "Identifies the name of an organization."),
    string("division", "Identifies the name of a division."),
    string("department", "Identifies the name of a department."),
    complex(
        "manager",
        MANAGER_SUBS,
        "The User's manager.  A complex type that optionally allows service providers to represent organizational hierarchy by referencing the 'id' attribute of another User.",
    ),
];

const MEMBER_SUBS: &[Attr] = &[
    // required: a member without a value is refused (RFC 7643 §4.2 has
    // the provider say so here)
    string("value", "Identifier of the member of this Group.")
        .exact()
        .immutable()
        .req(),
    reference(
        "$ref",
        &["User"],
        "The URI corresponding to a SCIM resource that is a member of this Group.",
    )
    .exact()
    .immutable(),
    string("display", DISPLAY_DESC).read_only(),
    string(
        "type",
        "A label indicating the type of resource, e.g., 'User' or 'Group'.",
    )
    .canon(&["User"])
    .immutable(),
];

const GROUP_ATTRS: &[Attr] = &[
    string(
        "displayName",
        "A human-readable name for the Group.  REQUIRED.",
    )
    .req(),
    complex("members", MEMBER_SUBS, "A list of members of the Group.").multi(),
];

const META_SUBS: &[Attr] = &[
    string("resourceType", "The name of the resource type of the resource.")
        .exact()
        .read_only(),
    attr(
        "created",
        AttrType::DateTime,
        "The \"DateTime\" that the resource was added to the service provider.",
    )
    .read_only(),
    attr(
        "lastModified",
        AttrType::DateTime,
        "The most recent DateTime that the details of this resource were updated at the service provider.",
    )
    .read_only(),
    reference(
        "location",
        &["uri"],
        "The URI of the resource being returned.",
    )
    .exact()
    .read_only(),
    string("version", "The version of the resource being returned.")
        .exact()
        .read_only(),
];

/// `id`, `externalId` and `meta` (RFC 7643 §3.1), part of every resource.
pub static COMMON_ATTRS: &[Attr] = &[
    string(
        "id",
        "Unique identifier for the SCIM resource as defined by the service provider.",
    )
    .req()
    .exact()
    .read_only()
    .always()
    .unique(),
    string(
        "externalId",
        "Identifier for the resource as defined by the provisioning client.",
    )
    .exact(),
    complex("meta", META_SUBS, "Resource metadata.").read_only(),
];

pub static USER: Schema = Schema {
    id: USER_URN,
    name: "User",
    description: "User Account",
    attributes: USER_ATTRS,
};

pub static ENTERPRISE_USER: Schema = Schema {
    id: ENTERPRISE_USER_URN,
    name: "EnterpriseUser",
    description: "Enterprise User",
    attributes: ENTERPRISE_ATTRS,
};

pub static GROUP: Schema = Schema {
    id: GROUP_URN,
    name: "Group",
    description: "Group",
    attributes: GROUP_ATTRS,
};

static ALL_SCHEMAS: [&Schema; 3] = [&USER, &ENTERPRISE_USER, &GROUP];
static USER_SCHEMAS: [&Schema; 2] = [&USER, &ENTERPRISE_USER];
static USER_EXTENSIONS: [&Schema; 1] = [&ENTERPRISE_USER];
static GROUP_SCHEMAS: [&Schema; 1] = [&GROUP];

/// Every schema this service provider publishes.
pub fn schemas() -> &'static [&'static Schema] {
    &ALL_SCHEMAS
}

/// The common attributes `id`, `externalId`, `meta`.
pub fn common_attrs() -> &'static [Attr] {
    COMMON_ATTRS
}

/// A common attribute by name, case-insensitively.
pub fn common_attr(name: &str) -> Option<&'static Attr> {
    COMMON_ATTRS
        .iter()
        .find(|a| a.name.eq_ignore_ascii_case(name))
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ResourceKind {
    User,
    Group,
}

impl ResourceKind {
    pub fn core_schema(self) -> &'static Schema {
        match self {
            ResourceKind::User => &USER,
            ResourceKind::Group => &GROUP,
        }
    }

    pub fn extensions(self) -> &'static [&'static Schema] {
        match self {
            ResourceKind::User => &USER_EXTENSIONS,
            ResourceKind::Group => &[],
        }
    }

    /// Core schema first, then the extensions.
    pub fn schemas(self) -> &'static [&'static Schema] {
        match self {
            ResourceKind::User => &USER_SCHEMAS,
            ResourceKind::Group => &GROUP_SCHEMAS,
        }
    }

    /// The resource type name (`meta.resourceType`).
    pub fn name(self) -> &'static str {
        match self {
            ResourceKind::User => "User",
            ResourceKind::Group => "Group",
        }
    }

    pub fn endpoint(self) -> &'static str {
        match self {
            ResourceKind::User => "/Users",
            ResourceKind::Group => "/Groups",
        }
    }

    pub fn is_core(self, schema: &Schema) -> bool {
        schema.id == self.core_schema().id
    }
}

/// One of `kind`'s schemas by URN, case-insensitively.
pub fn find_schema(kind: ResourceKind, urn: &str) -> Option<&'static Schema> {
    kind.schemas()
        .iter()
        .copied()
        .find(|s| s.id.eq_ignore_ascii_case(urn))
}

/// Any published schema by URN, case-insensitively.
pub fn schema_by_id(urn: &str) -> Option<&'static Schema> {
    schemas()
        .iter()
        .copied()
        .find(|s| s.id.eq_ignore_ascii_case(urn))
}

/// Finds an attribute of `kind`. With a URN, only that schema (the core
/// schema also holds the common attributes); without, the common
/// attributes, the core schema, then the extensions. Case-insensitive.
pub fn find_attr(
    kind: ResourceKind,
    urn: Option<&str>,
    name: &str,
) -> Option<(&'static Schema, &'static Attr)> {
    let core = kind.core_schema();
    match urn {
        Some(u) => {
            let schema = find_schema(kind, u)?;
            if let Some(a) = schema.attr(name) {
                return Some((schema, a));
            }
            if kind.is_core(schema) {
                return common_attr(name).map(|a| (core, a));
            }
            None
        }
        None => {
            if let Some(a) = common_attr(name).or_else(|| core.attr(name)) {
                return Some((core, a));
            }
            kind.extensions()
                .iter()
                .find_map(|s| s.attr(name).map(|a| (*s, a)))
        }
    }
}

/// Splits `urn:...:attr[.sub]` into the schema URN and the rest. Known
/// schema URNs are matched case-insensitively; any other `urn:` prefix is
/// cut at its last colon. Non-URN paths come back whole.
pub fn split_urn(path: &str) -> (Option<&str>, &str) {
    if !path
        .get(..4)
        .is_some_and(|p| p.eq_ignore_ascii_case("urn:"))
    {
        return (None, path);
    }
    for s in schemas() {
        let n = s.id.len();
        if path.len() > n
            && path.get(..n).is_some_and(|p| p.eq_ignore_ascii_case(s.id))
            && path.as_bytes()[n] == b':'
        {
            return (Some(&path[..n]), &path[n + 1..]);
        }
    }
    match path.rfind(':') {
        Some(i) => (Some(&path[..i]), &path[i + 1..]),
        None => (None, path),
    }
}

/// The JSON representation of one attribute definition (RFC 7643 §7).
pub fn attr_json(a: &Attr) -> Value {
    let mut m = Map::new();
    m.insert("name".into(), json!(a.name));
    m.insert("type".into(), json!(a.ty.as_str()));
    m.insert("multiValued".into(), json!(a.multi_valued));
    m.insert("description".into(), json!(a.description));
    m.insert("required".into(), json!(a.required));
    if !a.canonical_values.is_empty() {
        m.insert("canonicalValues".into(), json!(a.canonical_values));
    }
    m.insert("caseExact".into(), json!(a.case_exact));
    m.insert("mutability".into(), json!(a.mutability.as_str()));
    m.insert("returned".into(), json!(a.returned.as_str()));
    m.insert("uniqueness".into(), json!(a.uniqueness.as_str()));
    if a.ty == AttrType::Reference {
        m.insert("referenceTypes".into(), json!(a.reference_types));
    }
    if a.is_complex() {
        let subs: Vec<Value> = a.sub_attributes.iter().map(attr_json).collect();
        m.insert("subAttributes".into(), Value::Array(subs));
    }
    Value::Object(m)
}

/// The `/Schemas/{id}` representation (RFC 7643 §7), without `meta`.
pub fn schema_json(schema: &Schema) -> Value {
    let attrs: Vec<Value> = schema.attributes.iter().map(attr_json).collect();
    json!({
        "schemas": [SCHEMA_URN],
        "id": schema.id,
        "name": schema.name,
        "description": schema.description,
        "attributes": attrs,
    })
}

/// The `/ResourceTypes/{name}` representation (RFC 7643 §6), without `meta`.
pub fn resource_type_json(kind: ResourceKind) -> Value {
    let core = kind.core_schema();
    let exts: Vec<Value> = kind
        .extensions()
        .iter()
        .map(|s| json!({"schema": s.id, "required": false}))
        .collect();
    let mut v = json!({
        "schemas": [RESOURCE_TYPE_URN],
        "id": kind.name(),
        "name": kind.name(),
        "endpoint": kind.endpoint(),
        "description": core.description,
        "schema": core.id,
    });
    if !exts.is_empty()
        && let Some(o) = v.as_object_mut()
    {
        o.insert("schemaExtensions".into(), Value::Array(exts));
    }
    v
}

/// Parses an RFC 3339 date-time into (Unix seconds, nanoseconds), so that
/// instants compare chronologically whatever their offsets.
pub fn parse_datetime(s: &str) -> Option<(i64, u32)> {
    let b = s.as_bytes();
    if b.len() < 20 {
        return None;
    }
    let num = |from: usize, len: usize| -> Option<i64> {
        let part = b.get(from..from + len)?;
        let mut n: i64 = 0;
        for &c in part {
            if !c.is_ascii_digit() {
                return None;
            }
            n = n * 10 + i64::from(c - b'0');
        }
        Some(n)
    };
    let year = num(0, 4)?;
    let month = num(5, 2)?;
    let day = num(8, 2)?;
    let hour = num(11, 2)?;
    let minute = num(14, 2)?;
    let second = num(17, 2)?;
    if b[4] != b'-'
        || b[7] != b'-'
        || !matches!(b[10], b'T' | b't' | b' ')
        || b[13] != b':'
        || b[16] != b':'
    {
        return None;
    }
    let leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
    let mdays = match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if leap => 29,
        2 => 28,
        _ => return None,
    };
    if day < 1 || day > mdays || hour > 23 || minute > 59 || second > 60 {
        return None;
    }
    let mut i = 19;
    let mut nanos: u32 = 0;
    if b[i] == b'.' {
        i += 1;
        let start = i;
        let mut scale = 100_000_000u32;
        while i < b.len() && b[i].is_ascii_digit() {
            nanos += u32::from(b[i] - b'0') * scale;
            scale /= 10;
            i += 1;
        }
        if i == start {
            return None;
        }
    }
    let offset = match b.get(i)? {
        b'Z' | b'z' if i + 1 == b.len() => 0,
        sign @ (b'+' | b'-') if i + 6 == b.len() && b[i + 3] == b':' => {
            let oh = num(i + 1, 2)?;
            let om = num(i + 4, 2)?;
            if oh > 23 || om > 59 {
                return None;
            }
            let o = oh * 3600 + om * 60;
            if *sign == b'-' { -o } else { o }
        }
        _ => return None,
    };
    // Days from civil (H. Hinnant's algorithm).
    let y = if month <= 2 { year - 1 } else { year };
    let era = (if y >= 0 { y } else { y - 399 }) / 400;
    let yoe = y - era * 400;
    let mp = (month + 9) % 12;
    let doy = (153 * mp + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    let days = era * 146_097 + doe - 719_468;
    let secs = days * 86_400 + hour * 3600 + minute * 60 + second - offset;
    Some((secs, nanos))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn find_attr_core_extension_common() {
        let (s, a) = find_attr(ResourceKind::User, None, "USERNAME").unwrap();
        assert_eq!((s.id, a.name), (USER_URN, "userName"));
        assert!(a.required && !a.case_exact && a.uniqueness == Uniqueness::Server);
        let (s, a) = find_attr(ResourceKind::User, None, "employeenumber").unwrap();
        assert_eq!((s.id, a.name), (ENTERPRISE_USER_URN, "employeeNumber"));
        let (s, a) = find_attr(
            ResourceKind::User,
            Some("URN:IETF:params:scim:schemas:extension:enterprise:2.0:user"),
            "Manager",
        )
        .unwrap();
        assert_eq!((s.id, a.name), (ENTERPRISE_USER_URN, "manager"));
        // Common attributes, with and without the core URN.
        let (s, a) = find_attr(ResourceKind::Group, None, "ID").unwrap();
        assert_eq!((s.id, a.name), (GROUP_URN, "id"));
        assert!(a.case_exact && a.returned == Returned::Always);
        assert!(find_attr(ResourceKind::User, Some(USER_URN), "externalid").is_some());
        assert!(find_attr(ResourceKind::User, Some(ENTERPRISE_USER_URN), "id").is_none());
        assert!(find_attr(ResourceKind::User, None, "meta").is_some());
        // Wrong kind or unknown.
        assert!(find_attr(ResourceKind::Group, None, "userName").is_none());
        assert!(find_attr(ResourceKind::Group, None, "employeeNumber").is_none());
        assert!(find_attr(ResourceKind::User, Some(GROUP_URN), "displayName").is_none());
        assert!(find_attr(ResourceKind::User, None, "password").is_none());
        assert!(find_attr(ResourceKind::User, None, "roles").is_none());
    }

    #[test]
    fn sub_lookup_and_characteristics() {
        let (_, emails) = find_attr(ResourceKind::User, None, "emails").unwrap();
        assert!(emails.multi_valued && emails.is_complex());
        let t = emails.sub("TYPE").unwrap();
        assert_eq!(t.canonical_values, &["work", "home", "other"]);
        assert!(emails.sub("nope").is_none());
        let (_, groups) = find_attr(ResourceKind::User, None, "groups").unwrap();
        assert_eq!(groups.mutability, Mutability::ReadOnly);
        let (_, members) = find_attr(ResourceKind::Group, None, "members").unwrap();
        assert_eq!(
            members.sub("value").unwrap().mutability,
            Mutability::Immutable
        );
        assert_eq!(
            members.sub("display").unwrap().mutability,
            Mutability::ReadOnly
        );
        assert_eq!(members.sub("type").unwrap().canonical_values, &["User"]);
        let (_, meta) = find_attr(ResourceKind::User, None, "meta").unwrap();
        assert_eq!(meta.sub("lastmodified").unwrap().ty, AttrType::DateTime);
        assert_eq!(meta.sub("created").unwrap().ty, AttrType::DateTime);
        let (_, m) = find_attr(ResourceKind::User, None, "manager").unwrap();
        assert_eq!(
            m.sub("displayName").unwrap().mutability,
            Mutability::ReadOnly
        );
        assert_eq!(m.sub("$REF").unwrap().reference_types, &["User"]);
        let (_, d) = find_attr(ResourceKind::Group, None, "displayName").unwrap();
        assert!(d.required);
    }

    #[test]
    fn split_urn_known_and_generic() {
        assert_eq!(
            split_urn("urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager.value"),
            (Some(ENTERPRISE_USER_URN), "manager.value")
        );
        assert_eq!(
            split_urn("URN:ietf:params:scim:schemas:core:2.0:user:name.givenName"),
            (
                Some("URN:ietf:params:scim:schemas:core:2.0:user"),
                "name.givenName"
            )
        );
        assert_eq!(split_urn("urn:foo:bar:baz"), (Some("urn:foo:bar"), "baz"));
        assert_eq!(split_urn("userName"), (None, "userName"));
        assert_eq!(split_urn("name.givenName"), (None, "name.givenName"));
    }

    #[test]
    fn schema_json_shape() {
        let j = schema_json(&USER);
        assert_eq!(j["id"], USER_URN);
        assert_eq!(j["name"], "User");
        let attrs = j["attributes"].as_array().unwrap();
        assert_eq!(attrs.len(), USER.attributes.len());
        let un = &attrs[0];
        assert_eq!(un["name"], "userName");
        assert_eq!(un["type"], "string");
        assert_eq!(un["required"], true);
        assert_eq!(un["caseExact"], false);
        assert_eq!(un["mutability"], "readWrite");
        assert_eq!(un["returned"], "default");
        assert_eq!(un["uniqueness"], "server");
        assert_eq!(un["multiValued"], false);
        let emails = attrs.iter().find(|a| a["name"] == "emails").unwrap();
        assert_eq!(emails["multiValued"], true);
        let subs = emails["subAttributes"].as_array().unwrap();
        assert_eq!(subs.len(), 4);
        assert_eq!(subs[2]["canonicalValues"], json!(["work", "home", "other"]));
        let profile = attrs.iter().find(|a| a["name"] == "profileUrl").unwrap();
        assert_eq!(profile["referenceTypes"], json!(["external"]));
        assert!(
            attrs
                .iter()
                .all(|a| a["name"] != "password" && a["name"] != "id")
        );
        let g = schema_json(&GROUP);
        let members = &g["attributes"][1];
        assert_eq!(members["subAttributes"][0]["mutability"], "immutable");
        assert_eq!(schemas().len(), 3);
        let rt = resource_type_json(ResourceKind::User);
        assert_eq!(rt["schemaExtensions"][0]["schema"], ENTERPRISE_USER_URN);
        assert!(
            resource_type_json(ResourceKind::Group)
                .get("schemaExtensions")
                .is_none()
        );
    }

    #[test]
    fn datetime_parsing() {
        let a = parse_datetime("2024-01-01T00:00:00Z").unwrap();
        assert_eq!(a, (1_704_067_200, 0));
        let b = parse_datetime("2024-01-01T01:00:00+01:00").unwrap();
        assert_eq!(a, b);
        let c = parse_datetime("2023-12-31T23:59:59.5-00:30").unwrap();
        assert_eq!(c, (1_704_067_200 - 1 + 1800, 500_000_000));
        assert_eq!(parse_datetime("1970-01-01T00:00:00Z"), Some((0, 0)));
        assert!(parse_datetime("2024-02-30T00:00:00Z").is_none());
        assert!(parse_datetime("2024-01-01").is_none());
        assert!(parse_datetime("2024-01-01T00:00:00").is_none());
        assert!(parse_datetime("yesterday at noon, ok").is_none());
        assert!(parse_datetime("2024-01-01T00:00:00.Z").is_none());
    }
}
