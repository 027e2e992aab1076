// Where the OpenAI-compatible API of a --url lives: 'http://h:8000' and 'http://h:8000/v1' mean the same.

export interface ApiLocation {
  origin: string;
  /** Path prefix of the API, e.g. '/v1'. */
  basePath: string;
}

export function apiLocation(url: string): ApiLocation {
  const u = new URL(url);
  let path = u.pathname.replace(/\/+$/, '');
  if (!path.endsWith('/v1')) path += '/v1';
  return { origin: u.origin, basePath: path };
}
