// The contract's input rules (contract.md §4; src/api/csr_input.cc), checked before anything is
// sent so the user sees each problem next to its field. The server checks them again.
// Each function returns an error message, or '' when the value is fine.

export const ALGORITHMS = ['RSA_2048', 'RSA_3072', 'RSA_4096', 'EC_P256', 'EC_P384', 'SM2'];
export const ALGORITHM_LABELS = {
  RSA_2048: 'RSA 2048',
  RSA_3072: 'RSA 3072',
  RSA_4096: 'RSA 4096',
  EC_P256: 'EC P-256',
  EC_P384: 'EC P-384',
  SM2: 'SM2',
};

// Unicode code points, as the server counts characters.
export function length(s) {
  return [...s].length;
}

const CONTROL = /[\u0000-\u001f\u007f-\u009f]/;
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?:[^\ud800-\udbff]|^)[\udc00-\udfff]/;

function text(label, s, min, max) {
  if (LONE_SURROGATE.test(s)) return `${label} contains an invalid character.`;
  const n = length(s);
  if (min > 0 && n === 0) return `${label} is required.`;
  if (n < min || n > max) {
    return min > 0 ? `${label} must be ${min} to ${max} characters (now ${n}).`
      : `${label} must be at most ${max} characters (now ${n}).`;
  }
  if (CONTROL.test(s)) return `${label} must not contain control characters.`;
  return '';
}

export function checkName(s) {
  return text('Name', s, 1, 63);
}

// domain_name, and every SAN item: ASCII letters, digits and '-' in labels of 1..63, at most 63
// characters in all, no trailing dot, '*' only as the whole first label, not all-numeric.
export function checkDomain(s, label = 'Domain name') {
  if (s.length === 0) return `${label} is required.`;
  if (/[^\x00-\x7f]/.test(s)) {
    return `${label} must be ASCII: write internationalized names as punycode (xn--…).`;
  }
  if (s.length > 63) return `${label} must be at most 63 characters (now ${s.length}).`;
  if (s.endsWith('.')) return `${label} must not end with a dot.`;
  const labels = s.split('.');
  let allNumeric = true;
  for (let i = 0; i < labels.length; i += 1) {
    const l = labels[i];
    if (l === '') return `${label} must not contain an empty label ("..").`;
    if (l === '*') {
      if (i !== 0 || labels.length === 1) {
        return `${label} may use '*' only as the whole first label, as in *.example.com.`;
      }
      continue;
    }
    if (!/^[A-Za-z0-9-]+$/.test(l)) return `${label} may contain only letters, digits, '-' and '.'.`;
    if (l.startsWith('-') || l.endsWith('-')) {
      return `${label} must not have a label that starts or ends with '-'.`;
    }
    if (!/^[0-9]+$/.test(l)) allNumeric = false;
  }
  if (allNumeric) return `${label} must not be all-numeric.`;
  return '';
}

// Items separated by ';' or ',', spaces around them ignored, empty items dropped.
export function sanItems(s) {
  return s.split(/[;,]/).map((x) => x.replace(/^ +| +$/g, '')).filter((x) => x !== '');
}

export function checkSans(s) {
  if (LONE_SURROGATE.test(s)) return 'SANs contain an invalid character.';
  const n = length(s);
  if (n > 255) return `SANs must be at most 255 characters in all (now ${n}).`;
  for (const item of sanItems(s)) {
    const err = checkDomain(item, `SAN "${item}"`);
    if (err) return err;
  }
  return '';
}

export function checkCountry(s, enterprise) {
  if (s === '') return enterprise ? 'Country is required for ENTERPRISE usage.' : '';
  if (!/^[A-Za-z]{2}$/.test(s)) return 'Country must be exactly two letters, as in CN or DE.';
  return '';
}

export function checkCompanyText(label, s, max, enterprise) {
  if (s === '') return enterprise ? `${label} is required for ENTERPRISE usage.` : '';
  return text(label, s, 0, max);
}

// The whole create form: field name -> message (only fields with a problem).
export function checkCreate(v) {
  const enterprise = v.usage === 'ENTERPRISE';
  const errors = {
    name: checkName(v.name),
    domain_name: checkDomain(v.domain_name),
    sans: checkSans(v.sans),
    private_key_algo: ALGORITHMS.includes(v.private_key_algo) ? '' : 'Choose a key algorithm.',
    usage: v.usage === 'PERSONAL' || enterprise ? '' : 'Choose a usage.',
    company_country: checkCountry(v.company_country, enterprise),
    company_province: checkCompanyText('Province or state', v.company_province, 128, enterprise),
    company_city: checkCompanyText('City', v.company_city, 128, enterprise),
    company_name: checkCompanyText('Company name', v.company_name, 64, enterprise),
  };
  for (const k of Object.keys(errors)) if (!errors[k]) delete errors[k];
  return errors;
}

export function checkNameFilter(s) {
  if (length(s) > 32) return `The name filter must be at most 32 characters (now ${length(s)}).`;
  return '';
}

export function looksLikeCsr(s) {
  if (s.trim() === '') return 'Paste a CSR or choose a file.';
  if (!/-----BEGIN (NEW )?CERTIFICATE REQUEST-----/.test(s)) {
    return 'This is not a PEM CSR: it must contain "-----BEGIN CERTIFICATE REQUEST-----".';
  }
  return '';
}

export function looksLikeKey(s) {
  if (s.trim() === '') return '';
  if (/-----BEGIN ENCRYPTED PRIVATE KEY-----/.test(s)) {
    return 'Encrypted keys are not accepted: remove the passphrase first (openssl pkey).';
  }
  if (!/-----BEGIN ((RSA|EC) )?PRIVATE KEY-----/.test(s)) {
    return 'This is not a PEM private key (PKCS#8, PKCS#1 or SEC1).';
  }
  return '';
}
