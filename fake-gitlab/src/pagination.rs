//! Offset pagination: page parameters, slicing, and GitLab's X-* and Link headers.

use crate::params::Params;

/// `page` (default 1) and `per_page` (default 20, silently clamped to 100).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct PageRequest {
    pub page: usize,
    pub per_page: usize,
}

impl PageRequest {
    pub fn from_params(params: &Params) -> Self {
        let positive = |name: &str| params.get(name).and_then(|v| v.trim().parse::<usize>().ok()).filter(|&n| n > 0);
        PageRequest { page: positive("page").unwrap_or(1), per_page: positive("per_page").unwrap_or(20).min(100) }
    }
}

/// Where the `Link` header points: the base URL, the raw path and the request's parameters.
pub(crate) struct LinkBase<'a> {
    pub base_url: &'a str,
    pub path: &'a str,
    pub query: &'a Params,
}

impl LinkBase<'_> {
    pub(crate) fn href(&self, page: usize, per_page: usize) -> String {
        let mut pairs: Vec<(&str, String)> = self
            .query
            .pairs()
            .iter()
            .filter(|(k, _)| k != "page" && k != "per_page")
            .map(|(k, v)| (k.as_str(), v.clone()))
            .collect();
        pairs.push(("page", page.to_string()));
        pairs.push(("per_page", per_page.to_string()));
        // Rails' `to_query` sorts by key; the sort is stable, so repeated keys keep their order.
        pairs.sort_by(|a, b| a.0.cmp(b.0));
        let mut query = form_urlencoded::Serializer::new(String::new());
        for (k, v) in &pairs {
            query.append_pair(k, v);
        }
        format!("{}{}?{}", self.base_url, self.path, query.finish())
    }
}

/// One page of `items` and the headers that describe it.
pub(crate) fn paginate<T>(
    items: Vec<T>,
    req: PageRequest,
    link: &LinkBase<'_>,
    max_counted_total: usize,
) -> (Vec<T>, Vec<(String, String)>) {
    let total = items.len();
    let skip = (req.page - 1).saturating_mul(req.per_page);
    let page_items: Vec<T> = items.into_iter().skip(skip).take(req.per_page).collect();
    let counted = total <= max_counted_total;
    let total_pages = total.div_ceil(req.per_page).max(1);
    // Kaminari: an empty page past the end is "out of range" and has neither next nor prev.
    let out_of_range = page_items.is_empty() && req.page > 1;
    let has_next = skip.saturating_add(req.per_page) < total;
    let next = (!out_of_range && has_next).then_some(req.page + 1);
    let prev = (!out_of_range && req.page > 1).then(|| req.page - 1);

    let mut headers = vec![
        ("X-Per-Page".to_string(), req.per_page.to_string()),
        ("X-Page".to_string(), req.page.to_string()),
        ("X-Next-Page".to_string(), next.map(|n| n.to_string()).unwrap_or_default()),
        ("X-Prev-Page".to_string(), prev.map(|n| n.to_string()).unwrap_or_default()),
    ];
    let mut links = Vec::new();
    if let Some(p) = prev {
        links.push(format!("<{}>; rel=\"prev\"", link.href(p, req.per_page)));
    }
    if let Some(n) = next {
        links.push(format!("<{}>; rel=\"next\"", link.href(n, req.per_page)));
    }
    links.push(format!("<{}>; rel=\"first\"", link.href(1, req.per_page)));
    if counted {
        links.push(format!("<{}>; rel=\"last\"", link.href(total_pages, req.per_page)));
    }
    headers.push(("Link".to_string(), links.join(", ")));
    if counted {
        headers.push(("X-Total".to_string(), total.to_string()));
        headers.push(("X-Total-Pages".to_string(), total_pages.to_string()));
    }
    (page_items, headers)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn header<'a>(h: &'a [(String, String)], name: &str) -> Option<&'a str> {
        h.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str())
    }

    #[test]
    fn page_parameters() {
        let p = |q| PageRequest::from_params(&Params::from_query(q));
        assert_eq!(p(""), PageRequest { page: 1, per_page: 20 });
        assert_eq!(p("page=3&per_page=500"), PageRequest { page: 3, per_page: 100 });
        assert_eq!(p("page=0&per_page=x"), PageRequest { page: 1, per_page: 20 });
    }

    #[test]
    fn headers_and_links() {
        let q = Params::from_query("labels=a&page=2&per_page=2");
        let link = LinkBase { base_url: "http://h", path: "/p", query: &q };
        let (items, h) = paginate((1..=5).collect(), PageRequest::from_params(&q), &link, 10);
        assert_eq!(items, [3, 4]);
        assert_eq!(header(&h, "X-Next-Page"), Some("3"));
        assert_eq!(header(&h, "X-Prev-Page"), Some("1"));
        assert_eq!(header(&h, "X-Total"), Some("5"));
        assert_eq!(header(&h, "X-Total-Pages"), Some("3"));
        assert_eq!(
            header(&h, "Link"),
            Some("<http://h/p?labels=a&page=1&per_page=2>; rel=\"prev\", <http://h/p?labels=a&page=3&per_page=2>; rel=\"next\", <http://h/p?labels=a&page=1&per_page=2>; rel=\"first\", <http://h/p?labels=a&page=3&per_page=2>; rel=\"last\"")
        );
        let (_, h) = paginate((1..=5).collect::<Vec<_>>(), PageRequest::from_params(&q), &link, 4);
        assert_eq!(header(&h, "X-Total"), None);
        assert!(!header(&h, "Link").unwrap().contains("last"));
    }

    #[test]
    fn empty_results_have_one_page() {
        let q = Params::default();
        let link = LinkBase { base_url: "", path: "/p", query: &q };
        let (items, h) = paginate(Vec::<u8>::new(), PageRequest::from_params(&q), &link, 10);
        assert!(items.is_empty());
        assert_eq!(header(&h, "X-Total-Pages"), Some("1"));
        assert_eq!(header(&h, "X-Next-Page"), Some(""));
        assert_eq!(header(&h, "X-Prev-Page"), Some(""));
    }
}
