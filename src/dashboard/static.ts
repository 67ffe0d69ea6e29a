/**
 * The dashboard's only stylesheet and script, served from our origin (CSP `script-src 'self'`
 * forbids inline scripts, so none are used). Kept as strings so the build needs no asset copy.
 */
export const CSS = `
:root{--fg:#1d2430;--muted:#5b6575;--line:#d8dde5;--bg:#f5f7fa;--accent:#1f4e96;--warn:#a15c00;--bad:#a11d2b;--ok:#1d6b3a}
*{box-sizing:border-box}
body{margin:0;font:15px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:var(--fg);background:var(--bg)}
header{background:#14284b;color:#fff;padding:.6rem 1.2rem;display:flex;gap:1.4rem;align-items:center;flex-wrap:wrap}
header a{color:#dfe8ff;text-decoration:none}header a:hover{text-decoration:underline}
header .brand{font-weight:700;font-size:1.1rem;color:#fff}
header .who{margin-left:auto;font-size:.9rem;display:flex;gap:.6rem;align-items:center}
header form{margin:0}
main{padding:1rem 1.2rem;max-width:1400px;margin:0 auto}
h1{font-size:1.35rem;margin:.2rem 0 1rem}h2{font-size:1.1rem;margin:1.4rem 0 .6rem}
table{border-collapse:collapse;width:100%;background:#fff;border:1px solid var(--line)}
th,td{padding:.35rem .5rem;border-bottom:1px solid var(--line);text-align:left;vertical-align:top}
th{background:#eef1f6;font-weight:600;font-size:.88rem}
tr.new{animation:flash 2s ease-out}@keyframes flash{from{background:#fff3c4}to{background:#fff}}
.card{background:#fff;border:1px solid var(--line);border-radius:6px;padding:.8rem 1rem;margin-bottom:1rem}
.grid{display:grid;grid-template-columns:repeat(auto-fit,minmax(320px,1fr));gap:1rem}
dl{display:grid;grid-template-columns:max-content 1fr;gap:.2rem .8rem;margin:0}dt{color:var(--muted)}dd{margin:0}
.badge{display:inline-block;padding:0 .45rem;border-radius:999px;font-size:.82rem;border:1px solid var(--line);background:#f0f3f8}
.s-to-review{background:#fff1d6;border-color:#e8c47a}.s-error{background:#fde2e4;border-color:#e59aa2}.s-handled{background:#e3f3e8;border-color:#9ccfae}
.muted{color:var(--muted)}.bad{color:var(--bad)}.ok{color:var(--ok)}
form.inline{display:inline}
input,select,textarea,button{font:inherit}
input[type=text],input[type=password],input[type=search],select,textarea{padding:.3rem .4rem;border:1px solid #b8c0cc;border-radius:4px;background:#fff}
textarea{width:100%;font-family:ui-monospace,Menlo,Consolas,monospace;font-size:.85rem}
button{padding:.3rem .8rem;border-radius:4px;border:1px solid var(--accent);background:var(--accent);color:#fff;cursor:pointer}
button.secondary{background:#fff;color:var(--accent)}
.filters{display:flex;gap:.5rem;flex-wrap:wrap;align-items:center;margin-bottom:.8rem}
pre.body{white-space:pre-wrap;word-wrap:break-word;background:#fff;border:1px solid var(--line);padding:.8rem;max-height:34rem;overflow:auto;font-size:.9rem}
iframe.body{width:100%;height:30rem;border:1px solid var(--line);background:#fff}
.live{font-size:.85rem;color:var(--muted)}.live.on::before{content:"● ";color:var(--ok)}
.problems li{color:var(--bad)}
.diff{font-family:ui-monospace,monospace;font-size:.82rem;white-space:pre-wrap;background:#fff;border:1px solid var(--line);padding:.5rem}
.diff .add{background:#e6f6ea}.diff .del{background:#fde8ea}
.login{max-width:360px;margin:4rem auto}.login label{display:block;margin:.6rem 0 .2rem}.login input{width:100%}
.flash{padding:.5rem .8rem;border-radius:4px;background:#e8f0fe;border:1px solid #b9cdf5;margin-bottom:1rem}
.flash.error{background:#fde2e4;border-color:#e59aa2}
svg text{font:11px system-ui,sans-serif;fill:#1d2430}
`;

/** Live list: an EventSource on /events, rows built with textContent (never innerHTML). */
export const JS = `
(function(){
  var table=document.getElementById('live-list');
  if(!table||!window.EventSource)return;
  var body=table.querySelector('tbody');
  var state=document.getElementById('live-state');
  var url='/events?'+table.getAttribute('data-query');
  var es=new EventSource(url);
  es.onopen=function(){if(state){state.textContent='mise à jour en direct';state.className='live on';}};
  es.onerror=function(){if(state){state.textContent='reconnexion…';state.className='live';}};
  es.addEventListener('item',function(ev){
    var it=JSON.parse(ev.data);
    if(document.getElementById('row-'+it.registerNo))return;
    var tr=document.createElement('tr');tr.id='row-'+it.registerNo;tr.className='new';
    function td(text,cls){var c=document.createElement('td');if(cls)c.className=cls;c.textContent=text;tr.appendChild(c);return c;}
    var first=td('');var a=document.createElement('a');a.href='/items/'+encodeURIComponent(it.registerNo);a.textContent=it.registerNo;first.appendChild(a);
    td(it.received);td(it.destination);
    var st=td('');var b=document.createElement('span');b.className='badge s-'+it.status;b.textContent=it.statusLabel;st.appendChild(b);
    td(it.sender);td(it.subject);td(it.language);td(it.confidence);
    body.insertBefore(tr,body.firstChild);
    var empty=document.getElementById('empty-row');if(empty)empty.remove();
  });
})();
`;
