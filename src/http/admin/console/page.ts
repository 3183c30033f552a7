// The console's only HTML: a shell that console.js fills in. Paths are relative so the
// console also works behind a reverse proxy that mounts the admin listener under a prefix.
// The empty data: icon stops the browser asking for /favicon.ico (a 404 in the console).
export const CONSOLE_HTML = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Compliance Sidecar console</title>
<link rel="icon" href="data:,">
<link rel="stylesheet" href="console.css">
<script src="console.js" defer></script>
</head>
<body>
<header class="top">
  <a class="brand" href="#/search">Compliance Sidecar</a>
  <nav id="nav" hidden>
    <a href="#/search" data-view="search">Search</a>
    <a href="#/charts" data-view="charts">Charts</a>
    <a href="#/policies" data-view="policies">Policies</a>
  </nav>
  <button type="button" id="logout" class="quiet" hidden>Sign out</button>
</header>
<main id="main"><noscript>The console needs JavaScript.</noscript></main>
</body>
</html>
`;
