import sanitizeHtml from 'sanitize-html';

/**
 * Message HTML is hostile by default. The allow-list keeps text structure only:
 * - no script/style/iframe/object/embed/form/svg/math (not allowed → dropped, with their content for
 *   script/style/title/textarea, listed in nonTextTags);
 * - no attributes except href/title on links and spans on table cells: so no on* handlers, no
 *   `style` (CSS expression(), url() fetches, overlay tricks), no `src`, `background`, `srcset`;
 * - href only http/https/mailto (no javascript:, data:, vbscript:, protocol-relative URLs);
 * - no <img> at all: a remote image is a read receipt (tracking pixel) and a data: image can carry
 *   phishing content; the page says how many images were removed.
 * The result is then shown in a sandboxed iframe (no allow-scripts, no allow-same-origin) under the
 * page's strict CSP plus a `default-src 'none'` meta CSP inside the frame: defence in depth.
 */
const SAFE_HREF = /^(https?:\/\/|mailto:)/i;

const OPTIONS: sanitizeHtml.IOptions = {
  allowedTags: [
    'p', 'br', 'div', 'span', 'b', 'strong', 'i', 'em', 'u', 's', 'strike', 'blockquote', 'pre', 'code', 'ul', 'ol', 'li',
    'table', 'thead', 'tbody', 'tfoot', 'tr', 'td', 'th', 'caption', 'h1', 'h2', 'h3', 'h4', 'h5', 'h6', 'hr', 'a', 'sub', 'sup', 'small',
  ],
  allowedAttributes: { a: ['href', 'title'], td: ['colspan', 'rowspan'], th: ['colspan', 'rowspan'] },
  allowedSchemes: ['http', 'https', 'mailto'],
  allowedSchemesByTag: {},
  allowedSchemesAppliedToAttributes: ['href'],
  allowProtocolRelative: false,
  allowedStyles: {},
  disallowedTagsMode: 'discard',
  nonTextTags: ['script', 'style', 'textarea', 'option', 'noscript', 'title', 'head', 'template', 'xmp', 'iframe', 'object', 'embed', 'svg', 'math'],
  // Links cannot open anything from the sandbox anyway; say where they go in the tooltip.
  transformTags: {
    // transformTags runs BEFORE the scheme check: test the scheme here, or a javascript: URL would
    // survive as tooltip text.
    a: (tagName, attribs): sanitizeHtml.Tag => {
      const href = (attribs.href ?? '').trim();
      const safe: sanitizeHtml.Attributes = SAFE_HREF.test(href) ? { href, title: href } : {};
      return { tagName, attribs: safe };
    },
  },
};

export interface CleanHtml {
  html: string;
  removedImages: number;
}

export function sanitizeMessageHtml(dirty: string): CleanHtml {
  const removedImages = (dirty.match(/<img\b/gi) ?? []).length;
  return { html: sanitizeHtml(dirty, OPTIONS), removedImages };
}

/** The document placed in the iframe's srcdoc. */
export function frameDocument(clean: string): string {
  return (
    '<!doctype html><html><head><meta charset="utf-8">' +
    `<meta http-equiv="Content-Security-Policy" content="default-src 'none'; base-uri 'none'; form-action 'none'">` +
    `</head><body>${clean}</body></html>`
  );
}
