//! `imsmanifest.xml` (IMS Content Packaging as SCORM 1.2 and SCORM 2004 use
//! it) into the structure the API shows: identifier, version, organizations
//! with their items in document order, and the SCOs with launch hrefs.
//!
//! Parsed with roxmltree, DTDs refused (no entity expansion) and the node
//! count bounded. Elements are matched by local name: packages in the wild
//! mix the IMS CP namespaces of several editions.

use std::collections::HashMap;

use roxmltree::{Document, Node, ParsingOptions};
use serde::{Deserialize, Serialize};

use super::package::Refusal;

const XML_NS: &str = "http://www.w3.org/XML/1998/namespace";
/// Elements in a manifest; far above any real course.
const MAX_NODES: u32 = 200_000;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Version {
    #[serde(rename = "1.2")]
    Scorm12,
    #[serde(rename = "2004")]
    Scorm2004,
}

impl Version {
    pub fn as_str(self) -> &'static str {
        match self {
            Version::Scorm12 => "1.2",
            Version::Scorm2004 => "2004",
        }
    }
}

/// What the manifest says, as stored and as `getLearnScormPackage` shows it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Structure {
    pub identifier: String,
    pub title: String,
    pub version: Version,
    pub schema_version: Option<String>,
    pub default_organization: Option<String>,
    pub organizations: Vec<Organization>,
    pub scos: Vec<Sco>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Organization {
    pub identifier: String,
    pub title: String,
    pub items: Vec<Item>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Item {
    pub identifier: String,
    pub parent: Option<String>,
    pub depth: i32,
    pub title: String,
    pub resource: Option<String>,
    pub launch_href: Option<String>,
    pub visible: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Sco {
    pub identifier: String,
    pub launch_href: String,
}

impl Structure {
    pub fn has_sco(&self, identifier: &str) -> bool {
        self.scos.iter().any(|s| s.identifier == identifier)
    }
}

fn child<'a, 'i>(node: Node<'a, 'i>, name: &str) -> Option<Node<'a, 'i>> {
    node.children().find(|c| c.is_element() && c.tag_name().name() == name)
}

fn children<'a, 'i>(node: Node<'a, 'i>, name: &'static str) -> impl Iterator<Item = Node<'a, 'i>> {
    node.children().filter(move |c| c.is_element() && c.tag_name().name() == name)
}

fn text_of(node: Option<Node>) -> Option<String> {
    let t: String = node?.descendants().filter(|n| n.is_text()).filter_map(|n| n.text()).collect();
    let t = t.trim();
    (!t.is_empty()).then(|| t.to_owned())
}

/// An attribute by local name, whatever its prefix (`adlcp:scormtype` in
/// 1.2, `adlcp:scormType` in 2004: compared without case).
fn attr_ci<'a>(node: Node<'a, '_>, local: &str) -> Option<&'a str> {
    node.attributes().find(|a| a.name().eq_ignore_ascii_case(local)).map(|a| a.value())
}

fn required_id<'a>(node: Node<'a, '_>, what: &str) -> Result<&'a str, Refusal> {
    match node.attribute("identifier").map(str::trim) {
        Some(id) if !id.is_empty() => Ok(id),
        _ => Err(Refusal::manifest(format!("a `{what}` element has no identifier"))),
    }
}

/// The version from `schemaversion`, else from the ADL namespaces declared.
fn version_of(root: Node, schema_version: Option<&str>) -> Result<Version, Refusal> {
    if let Some(v) = schema_version {
        if v == "1.2" {
            return Ok(Version::Scorm12);
        }
        if v.starts_with("2004") || v == "CAM 1.3" || v == "1.3" {
            return Ok(Version::Scorm2004);
        }
        return Err(Refusal::manifest(format!("schemaversion `{v}` is neither SCORM 1.2 nor SCORM 2004")));
    }
    let uris: Vec<&str> = root.descendants().filter(|n| n.is_element()).take(10).flat_map(|n| n.namespaces().map(|ns| ns.uri())).collect();
    if uris.iter().any(|u| u.contains("adlcp_rootv1p2")) {
        return Ok(Version::Scorm12);
    }
    if uris.iter().any(|u| u.contains("adlcp_v1p3") || u.contains("adlcp_rootv1p3")) {
        return Ok(Version::Scorm2004);
    }
    Err(Refusal::manifest("neither a schemaversion nor an ADL namespace says which SCORM version this is"))
}

/// `base` + `href` as one package-relative path: `.` segments dropped, `..`
/// folded (never above the root), query and fragment kept.
fn join(base: &str, href: &str) -> Result<String, Refusal> {
    let (path, rest) = match href.find(['?', '#']) {
        Some(i) => href.split_at(i),
        None => (href, ""),
    };
    let mut parts: Vec<&str> = Vec::new();
    for segment in base.split('/').chain(path.split('/')) {
        match segment {
            "" | "." => {}
            ".." => {
                if parts.pop().is_none() {
                    return Err(Refusal::manifest(format!("the href `{href}` points outside the package")));
                }
            }
            s => parts.push(s),
        }
    }
    Ok(format!("{}{rest}", parts.join("/")))
}

/// The entry a launch href names: without query or fragment, percent-decoded.
fn entry_of(href: &str) -> String {
    let path = href.split(['?', '#']).next().unwrap_or("");
    let bytes = path.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%'
            && i + 3 <= bytes.len()
            && let Some(b) = std::str::from_utf8(&bytes[i + 1..i + 3]).ok().and_then(|h| u8::from_str_radix(h, 16).ok())
        {
            out.push(b);
            i += 3;
            continue;
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8(out).unwrap_or_else(|_| path.to_owned())
}

fn with_parameters(href: &str, parameters: Option<&str>) -> String {
    match parameters.map(str::trim).filter(|p| !p.is_empty()) {
        None => href.to_owned(),
        Some(p) if p.starts_with('#') => format!("{href}{p}"),
        Some(p) => {
            let p = p.trim_start_matches('?');
            if href.contains('?') { format!("{href}&{p}") } else { format!("{href}?{p}") }
        }
    }
}

struct Resource {
    href: Option<String>,
}

fn is_external(href: &str) -> bool {
    href.contains("://") || href.starts_with("//")
}

/// Parses the manifest; `has_entry` says whether the package holds a path.
pub fn parse(text: &str, has_entry: &dyn Fn(&str) -> bool) -> Result<Structure, Refusal> {
    let options = ParsingOptions { allow_dtd: false, nodes_limit: MAX_NODES, ..ParsingOptions::default() };
    let doc = Document::parse_with_options(text, options).map_err(|e| Refusal::manifest(format!("imsmanifest.xml is not well-formed XML: {e}")))?;
    let root = doc.root_element();
    if root.tag_name().name() != "manifest" {
        return Err(Refusal::manifest(format!("the root element is `{}`, not `manifest`", root.tag_name().name())));
    }
    let identifier = required_id(root, "manifest")?.to_owned();
    let schema_version = text_of(child(root, "metadata").and_then(|m| child(m, "schemaversion")));
    let version = version_of(root, schema_version.as_deref())?;
    let manifest_base = root.attribute((XML_NS, "base")).unwrap_or("");

    // resources first: items point at them
    let mut resources: HashMap<String, Resource> = HashMap::new();
    let mut scos: Vec<Sco> = Vec::new();
    if let Some(list) = child(root, "resources") {
        let list_base = format!("{manifest_base}/{}", list.attribute((XML_NS, "base")).unwrap_or(""));
        for r in children(list, "resource") {
            let id = required_id(r, "resource")?.to_owned();
            let base = format!("{list_base}/{}", r.attribute((XML_NS, "base")).unwrap_or(""));
            let href = match r.attribute("href").map(str::trim).filter(|h| !h.is_empty()) {
                Some(h) if is_external(h) => Some(h.to_owned()),
                Some(h) => Some(join(&base, h)?),
                None => None,
            };
            if attr_ci(r, "scormtype").is_some_and(|t| t.trim().eq_ignore_ascii_case("sco")) {
                let launch = match &href {
                    None => return Err(Refusal::manifest(format!("the SCO `{id}` has no href to launch"))),
                    Some(h) if is_external(h) => return Err(Refusal::manifest(format!("the SCO `{id}` launches `{h}`, outside the package"))),
                    Some(h) => h.clone(),
                };
                if !has_entry(&entry_of(&launch)) {
                    return Err(Refusal::manifest(format!("the SCO `{id}` launches `{launch}`, which the package does not contain")));
                }
                scos.push(Sco { identifier: id.clone(), launch_href: launch });
            }
            if resources.insert(id.clone(), Resource { href }).is_some() {
                return Err(Refusal::manifest(format!("two resources are identified `{id}`")));
            }
        }
    }
    if scos.is_empty() {
        return Err(Refusal::manifest("the manifest declares no SCO (a resource of SCORM type `sco`), so nothing can report results"));
    }

    let orgs = child(root, "organizations").ok_or_else(|| Refusal::manifest("the manifest has no `organizations` element"))?;
    let mut organizations = Vec::new();
    for o in children(orgs, "organization") {
        let org_id = required_id(o, "organization")?.to_owned();
        let mut items = Vec::new();
        // depth-first, document order: a parent before its children
        let mut stack: Vec<(Node, Option<String>, i32)> = children(o, "item").map(|i| (i, None, 1)).collect::<Vec<_>>().into_iter().rev().collect();
        while let Some((node, parent, depth)) = stack.pop() {
            let id = required_id(node, "item")?.to_owned();
            let resource = node.attribute("identifierref").map(str::trim).filter(|r| !r.is_empty()).map(str::to_owned);
            let launch_href = match &resource {
                None => None,
                Some(r) => match resources.get(r) {
                    None => return Err(Refusal::manifest(format!("the item `{id}` refers to `{r}`, which is no resource of the manifest"))),
                    Some(res) => res.href.as_deref().map(|h| with_parameters(h, node.attribute("parameters"))),
                },
            };
            let visible = node.attribute("isvisible").is_none_or(|v| !v.trim().eq_ignore_ascii_case("false"));
            let title = text_of(child(node, "title")).unwrap_or_else(|| id.clone());
            for c in children(node, "item").collect::<Vec<_>>().into_iter().rev() {
                stack.push((c, Some(id.clone()), depth + 1));
            }
            items.push(Item { identifier: id, parent, depth, title, resource, launch_href, visible });
        }
        let title = text_of(child(o, "title")).unwrap_or_else(|| org_id.clone());
        organizations.push(Organization { identifier: org_id, title, items });
    }
    if organizations.is_empty() {
        return Err(Refusal::manifest("the manifest has no organization"));
    }
    let default_organization = match orgs.attribute("default").map(str::trim).filter(|d| !d.is_empty()) {
        Some(d) if organizations.iter().any(|o| o.identifier == d) => Some(d.to_owned()),
        Some(d) => return Err(Refusal::manifest(format!("the default organization `{d}` is not one of the manifest's"))),
        None => organizations.first().map(|o| o.identifier.clone()),
    };
    let title = organizations
        .iter()
        .find(|o| Some(&o.identifier) == default_organization.as_ref())
        .map(|o| o.title.clone())
        .unwrap_or_else(|| identifier.clone());
    Ok(Structure { identifier, title, version, schema_version, default_organization, organizations, scos })
}

#[cfg(test)]
mod tests {
    use super::*;

    const SCORM12: &str = r#"<?xml version="1.0"?>
<manifest identifier="com.example.safety" version="1.0"
  xmlns="http://www.imsproject.org/xsd/imscp_rootv1p1p2"
  xmlns:adlcp="http://www.adlnet.org/xsd/adlcp_rootv1p2">
  <metadata><schema>ADL SCORM</schema><schemaversion>1.2</schemaversion></metadata>
  <organizations default="ORG">
    <organization identifier="ORG"><title>Safety basics</title>
      <item identifier="I1" identifierref="R1" parameters="?lang=en"><title>Intro</title></item>
      <item identifier="G"><title>Part two</title>
        <item identifier="I2" identifierref="R2" isvisible="false"><title>Deep</title></item>
      </item>
    </organization>
  </organizations>
  <resources xml:base="content/">
    <resource identifier="R1" type="webcontent" adlcp:scormtype="sco" href="intro/index.html"/>
    <resource identifier="R2" type="webcontent" adlcp:scormtype="asset" href="deep.html"/>
  </resources>
</manifest>"#;

    #[test]
    fn a_scorm_12_manifest_parses_in_document_order() {
        let s = parse(SCORM12, &|p| p == "content/intro/index.html").unwrap();
        assert_eq!(s.version, Version::Scorm12);
        assert_eq!(s.title, "Safety basics");
        assert_eq!(s.scos, vec![Sco { identifier: "R1".into(), launch_href: "content/intro/index.html".into() }]);
        let items = &s.organizations[0].items;
        let ids: Vec<(&str, i32)> = items.iter().map(|i| (i.identifier.as_str(), i.depth)).collect();
        assert_eq!(ids, vec![("I1", 1), ("G", 1), ("I2", 2)]);
        assert_eq!(items[0].launch_href.as_deref(), Some("content/intro/index.html?lang=en"));
        assert_eq!(items[2].parent.as_deref(), Some("G"));
        assert!(!items[2].visible);
    }

    #[test]
    fn broken_manifests_say_what_is_wrong() {
        let missing = parse(SCORM12, &|_| false).unwrap_err();
        assert!(missing.problem.contains("does not contain"), "{missing:?}");
        let dtd = parse("<!DOCTYPE manifest [<!ENTITY a \"b\">]><manifest identifier=\"x\"/>", &|_| true).unwrap_err();
        assert!(dtd.problem.contains("not well-formed"), "{dtd:?}");
        let dangling = SCORM12.replace("identifierref=\"R2\"", "identifierref=\"R9\"");
        assert!(parse(&dangling, &|_| true).unwrap_err().problem.contains("R9"));
        let escape = SCORM12.replace("intro/index.html", "../../x.html");
        assert!(parse(&escape, &|_| true).unwrap_err().problem.contains("outside the package"));
    }

    #[test]
    fn hrefs_join_and_decode() {
        assert_eq!(join("/a//b/", "./c/../d.html?x=1").unwrap(), "a/b/d.html?x=1");
        assert_eq!(entry_of("my%20page.html#top"), "my page.html");
        assert_eq!(with_parameters("a.html?x=1", Some("?y=2")), "a.html?x=1&y=2");
    }
}
