import { escapeHtml, raw, type SafeHtml } from './html';

/**
 * Charts as inline SVG generated on the server: no chart library, no CDN (the machine has no
 * internet), nothing to execute in the browser. Colours are presentation attributes (not `style`),
 * which the page's CSP allows.
 */
const e = (s: string | number) => escapeHtml(String(s));

export function barChart(data: { label: string; value: number }[], opts: { title: string; width?: number; unit?: string }): SafeHtml {
  const width = opts.width ?? 560;
  const row = 24;
  const labelW = 130;
  const max = Math.max(1, ...data.map((d) => d.value));
  const h = data.length * row + 30;
  const bars = data
    .map((d, i) => {
      const y = 24 + i * row;
      const w = Math.round(((width - labelW - 60) * d.value) / max);
      return `<text x="${labelW - 6}" y="${y + 14}" text-anchor="end">${e(d.label)}</text><rect x="${labelW}" y="${y + 2}" width="${w}" height="${row - 8}" fill="#1f4e96" rx="2"><title>${e(d.label)} : ${e(d.value)}</title></rect><text x="${labelW + w + 5}" y="${y + 14}">${e(d.value)}${e(opts.unit ?? '')}</text>`;
    })
    .join('');
  return raw(`<svg role="img" aria-label="${e(opts.title)}" width="${width}" height="${h}" viewBox="0 0 ${width} ${h}"><text x="0" y="14" font-weight="bold">${e(opts.title)}</text>${bars}</svg>`);
}

export function columnChart(data: { label: string; value: number }[], opts: { title: string; width?: number; height?: number }): SafeHtml {
  const width = opts.width ?? 900;
  const height = opts.height ?? 220;
  const top = 24;
  const bottom = 40;
  const max = Math.max(1, ...data.map((d) => d.value));
  const n = Math.max(1, data.length);
  const step = (width - 40) / n;
  const bw = Math.max(2, step * 0.7);
  const plotH = height - top - bottom;
  const cols = data
    .map((d, i) => {
      const x = 30 + i * step;
      const h = Math.round((plotH * d.value) / max);
      const label = n <= 31 || i % Math.ceil(n / 31) === 0 ? `<text x="${x + bw / 2}" y="${height - bottom + 14}" text-anchor="middle" font-size="9">${e(d.label.slice(5))}</text>` : '';
      return `<rect x="${x.toFixed(1)}" y="${top + plotH - h}" width="${bw.toFixed(1)}" height="${h}" fill="#3b7dd8"><title>${e(d.label)} : ${e(d.value)}</title></rect>${label}`;
    })
    .join('');
  return raw(
    `<svg role="img" aria-label="${e(opts.title)}" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}"><text x="0" y="14" font-weight="bold">${e(opts.title)}</text>` +
      `<line x1="28" y1="${top + plotH}" x2="${width}" y2="${top + plotH}" stroke="#888"/><text x="0" y="${top + 10}" font-size="9">${max}</text>${cols}</svg>`,
  );
}

/** Rows = decided destination, columns = final destination; darker = more items. */
export function heatmap(labels: string[], matrix: number[][], title: string): SafeHtml {
  const cell = 64;
  const left = 110;
  const top = 70;
  const max = Math.max(1, ...matrix.flat());
  const w = left + labels.length * cell + 10;
  const h = top + labels.length * cell + 10;
  const heads = labels.map((l, j) => `<text x="${left + j * cell + cell / 2}" y="${top - 8}" text-anchor="middle" font-size="10">${e(l.slice(0, 11))}</text>`).join('');
  const rows = matrix
    .map((r, i) =>
      [`<text x="${left - 6}" y="${top + i * cell + cell / 2 + 4}" text-anchor="end" font-size="10">${e(labels[i]!.slice(0, 14))}</text>`]
        .concat(
          r.map((v, j) => {
            const a = v === 0 ? 0.04 : 0.15 + (0.85 * v) / max;
            const fill = i === j ? `rgba(29,107,58,${a.toFixed(2)})` : `rgba(161,29,43,${a.toFixed(2)})`;
            return `<rect x="${left + j * cell}" y="${top + i * cell}" width="${cell - 2}" height="${cell - 2}" fill="${fill}"><title>${e(labels[i]!)} → ${e(labels[j]!)} : ${v}</title></rect><text x="${left + j * cell + cell / 2}" y="${top + i * cell + cell / 2 + 4}" text-anchor="middle">${v}</text>`;
          }),
        )
        .join(''),
    )
    .join('');
  return raw(
    `<svg role="img" aria-label="${e(title)}" width="${w}" height="${h}" viewBox="0 0 ${w} ${h}"><text x="0" y="14" font-weight="bold">${e(title)}</text>` +
      `<text x="${left}" y="34" font-size="10">colonnes : destination finale ; lignes : décision automatique</text>${heads}${rows}</svg>`,
  );
}
