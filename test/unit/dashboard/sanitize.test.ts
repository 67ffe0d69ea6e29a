import { frameDocument, sanitizeMessageHtml } from '../../../src/dashboard/sanitize';

describe('sanitizeMessageHtml', () => {
  const hostile = `<script>alert(1)</script><style>p{color:red}</style><p onclick="x()" style="background:url(http://evil/x)">Bonjour <b>Mme</b></p>
    <img src="http://evil/pixel.png" onerror="x()"><img src="data:image/png;base64,AAAA">
    <a href="javascript:alert(1)">a</a><a href="JaVaScRiPt:alert(1)">b</a><a href="data:text/html,x">c</a><a href="//evil/x">d</a>
    <a href="https://www.cleiss.fr/docs">e</a><a href="mailto:x@cleiss.fr">f</a>
    <iframe src="http://evil/"></iframe><object data="http://evil/"></object><svg onload="x()"><image href="http://evil/i"/></svg>
    <div style="width:expression(alert(1))">g</div><form action="http://evil/"><input></form><base href="http://evil/">`;

  const out = sanitizeMessageHtml(hostile);

  it('drops scripts, styles, frames, objects, svg, forms and every event handler', () => {
    expect(out.html).not.toMatch(/<(script|style|iframe|object|svg|image|form|input|base)\b/i);
    expect(out.html).not.toMatch(/on(click|error|load)=/i);
    expect(out.html).not.toContain('alert(1)');
  });

  it('drops images (remote and data:) and counts them', () => {
    expect(out.html).not.toMatch(/<img|data:|evil/i);
    expect(out.removedImages).toBe(2);
  });

  it('keeps only http(s) and mailto links, and no style attribute', () => {
    expect(out.html).toContain('<a href="https://www.cleiss.fr/docs" title="https://www.cleiss.fr/docs">e</a>');
    expect(out.html).toContain('href="mailto:x@cleiss.fr"');
    expect(out.html).not.toMatch(/javascript:|style=|expression/i);
    expect(out.html).toContain('<a>a</a>');
    expect(out.html).toContain('<a>d</a>');
  });

  it('keeps the text', () => {
    expect(out.html).toContain('<p>Bonjour <b>Mme</b></p>');
  });

  it('wraps the frame document with its own default-src none policy', () => {
    expect(frameDocument('<p>x</p>')).toContain(`content="default-src 'none'`);
  });
});
