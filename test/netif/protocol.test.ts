// Pure codecs of the UPnP and NAT-PMP clients. The real-device behaviour is in upnp.netns.test.ts.
import { describe, expect, it } from 'vitest';
import { buildSoapBody, parseDeviceDescription, parseSoapResponse, UpnpError } from '../../src/netif/igd.ts';
import { decodeNatPmpResponse, encodeMappingRequest } from '../../src/netif/natpmp.ts';
import { buildMSearch, parseSsdpReply } from '../../src/netif/ssdp.ts';

// An IGDv1 description in the shape of a typical DSL router: WANPPPConnection first, then
// WANIPConnection, relative control URLs, a URLBase, a namespace prefix and an entity.
const IGD1 = `<?xml version="1.0"?>
<root xmlns="urn:schemas-upnp-org:device-1-0"><specVersion><major>1</major><minor>0</minor></specVersion>
<URLBase>http://192.168.178.1:49000/</URLBase>
<device><deviceType>urn:schemas-upnp-org:device:InternetGatewayDevice:1</deviceType><friendlyName>Box &amp; Co</friendlyName>
<serviceList><service><serviceType>urn:schemas-upnp-org:service:Layer3Forwarding:1</serviceType><controlURL>/upnp/control/layer3forwarding</controlURL></service></serviceList>
<deviceList><device><deviceType>urn:schemas-upnp-org:device:WANDevice:1</deviceType>
<serviceList><service><serviceType>urn:schemas-upnp-org:service:WANCommonInterfaceConfig:1</serviceType><controlURL>/igdupnp/control/WANCommonIFC1</controlURL></service></serviceList>
<deviceList><device><deviceType>urn:schemas-upnp-org:device:WANConnectionDevice:1</deviceType>
<serviceList>
<service><serviceType>urn:schemas-upnp-org:service:WANPPPConnection:1</serviceType><serviceId>urn:upnp-org:serviceId:WANPPPConn1</serviceId><controlURL>/igdupnp/control/WANPPPConn1</controlURL><eventSubURL>/e</eventSubURL><SCPDURL>/s.xml</SCPDURL></service>
<service><serviceType>urn:schemas-upnp-org:service:WANIPConnection:1</serviceType><controlURL>igdupnp/control/WANIPConn1</controlURL></service>
</serviceList></device></deviceList></device></deviceList></device></root>`;

// IGDv2 as Debian's miniupnpd 2.3.1 describes itself (reference §6.2), no URLBase.
const IGD2 = `<?xml version="1.0"?><root xmlns="urn:schemas-upnp-org:device-1-0" configId="1337"><specVersion><major>1</major><minor>1</minor></specVersion>
<device><deviceType>urn:schemas-upnp-org:device:InternetGatewayDevice:2</deviceType><friendlyName>Debian IGD</friendlyName>
<serviceList><service><serviceType>urn:schemas-upnp-org:service:Layer3Forwarding:1</serviceType><controlURL>/ctl/L3F</controlURL></service>
<service><serviceType>urn:schemas-upnp-org:service:DeviceProtection:1</serviceType><controlURL>/ctl/DP</controlURL></service></serviceList>
<deviceList><device><deviceType>urn:schemas-upnp-org:device:WANDevice:2</deviceType>
<serviceList><service><serviceType>urn:schemas-upnp-org:service:WANCommonInterfaceConfig:1</serviceType><controlURL>/ctl/CmnIfCfg</controlURL></service></serviceList>
<deviceList><device><deviceType>urn:schemas-upnp-org:device:WANConnectionDevice:2</deviceType>
<serviceList><service><serviceType>urn:schemas-upnp-org:service:WANIPConnection:2</serviceType><controlURL>/ctl/IPConn</controlURL></service>
<service><serviceType>urn:schemas-upnp-org:service:WANIPv6FirewallControl:1</serviceType><controlURL>/ctl/IP6FCtl</controlURL></service></serviceList>
</device></deviceList></device></deviceList></device></root>`;

describe('SSDP', () => {
  it('builds an M-SEARCH with CRLF, MAN and MX', () => {
    expect(buildMSearch('urn:schemas-upnp-org:device:InternetGatewayDevice:1', 2)).toBe(
      'M-SEARCH * HTTP/1.1\r\nHOST: 239.255.255.250:1900\r\nST: urn:schemas-upnp-org:device:InternetGatewayDevice:1\r\nMAN: "ssdp:discover"\r\nMX: 2\r\n\r\n',
    );
    expect(buildMSearch('x', 0)).toContain('MX: 1\r\n');
  });
  it('parses the reply seen from miniupnpd (headers case-insensitive)', () => {
    const r = parseSsdpReply(
      'HTTP/1.1 200 OK\r\nCACHE-CONTROL: max-age=120\r\nST: urn:schemas-upnp-org:device:InternetGatewayDevice:1\r\nUSN: uuid:3f0e::urn:schemas-upnp-org:device:InternetGatewayDevice:1\r\nEXT:\r\nSERVER: Debian/12 UPnP/1.1 MiniUPnPd/2.3.1\r\nlocation: http://192.168.77.1:5000/rootDesc.xml\r\n\r\n',
      '192.168.77.1',
    );
    expect(r).toEqual({
      location: 'http://192.168.77.1:5000/rootDesc.xml',
      st: 'urn:schemas-upnp-org:device:InternetGatewayDevice:1',
      usn: 'uuid:3f0e::urn:schemas-upnp-org:device:InternetGatewayDevice:1',
      server: 'Debian/12 UPnP/1.1 MiniUPnPd/2.3.1',
      from: '192.168.77.1',
    });
  });
  it.each([
    ['NOTIFY * HTTP/1.1\r\nLOCATION: http://x/\r\n\r\n'],
    ['HTTP/1.1 404 Not Found\r\nLOCATION: http://x/\r\n\r\n'],
    ['HTTP/1.1 200 OK\r\nST: x\r\n\r\n'],
    ['HTTP/1.1 200 OK\r\nLOCATION: file:///etc/passwd\r\n\r\n'],
    ['\u0000\u0001garbage'],
  ])('ignores a non-reply %j', (t) => {
    expect(parseSsdpReply(t, '1.2.3.4')).toBeNull();
  });
});

describe('device description', () => {
  it('IGDv1: WANPPPConnection first, WANIPConnection as fallback, URLs resolved against URLBase', () => {
    const d = parseDeviceDescription(IGD1, 'http://192.168.178.1:49000/igddesc.xml');
    expect(d.deviceType).toBe('urn:schemas-upnp-org:device:InternetGatewayDevice:1');
    expect(d.friendlyName).toBe('Box & Co');
    expect(d.connection).toEqual({ serviceType: 'urn:schemas-upnp-org:service:WANPPPConnection:1', controlURL: 'http://192.168.178.1:49000/igdupnp/control/WANPPPConn1' });
    expect(d.fallback).toEqual({ serviceType: 'urn:schemas-upnp-org:service:WANIPConnection:1', controlURL: 'http://192.168.178.1:49000/igdupnp/control/WANIPConn1' });
    expect(d.ipv6Firewall).toBeUndefined();
  });
  it('IGDv2: WANIPConnection:2 and the IPv6 firewall service, URLs against the description URL', () => {
    const d = parseDeviceDescription(IGD2, 'http://192.168.77.1:5000/rootDesc.xml');
    expect(d.connection).toEqual({ serviceType: 'urn:schemas-upnp-org:service:WANIPConnection:2', controlURL: 'http://192.168.77.1:5000/ctl/IPConn' });
    expect(d.ipv6Firewall?.controlURL).toBe('http://192.168.77.1:5000/ctl/IP6FCtl');
  });
  it('refuses HTML and non-gateway devices with the reason', () => {
    expect(() => parseDeviceDescription('<html><body>Please log in</body></html>', 'http://gw/d.xml')).toThrow(/^http:\/\/gw\/d\.xml is not a UPnP device description .*Please log in/);
    const printer = IGD2.replace(/<deviceList>[\s\S]*<\/deviceList>/, '').replace('InternetGatewayDevice:2', 'Printer:1');
    expect(() => parseDeviceDescription(printer, 'http://gw/d.xml')).toThrow(/\(urn:schemas-upnp-org:device:Printer:1\) is not an Internet gateway: no WANIPConnection or WANPPPConnection/);
  });
});

describe('SOAP', () => {
  it('builds the envelope miniupnpc sends, with escaping', () => {
    expect(buildSoapBody('urn:schemas-upnp-org:service:WANIPConnection:2', 'AddPortMapping', [['NewPortMappingDescription', 'a<b&c'], ['NewExternalPort', 443]])).toBe(
      '<?xml version="1.0"?>\r\n<s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/" s:encodingStyle="http://schemas.xmlsoap.org/soap/encoding/"><s:Body><u:AddPortMapping xmlns:u="urn:schemas-upnp-org:service:WANIPConnection:2"><NewPortMappingDescription>a&lt;b&amp;c</NewPortMappingDescription><NewExternalPort>443</NewExternalPort></u:AddPortMapping></s:Body></s:Envelope>\r\n',
    );
  });
  it('reads out-arguments, including empty ones', () => {
    const body = '<?xml version="1.0"?><s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/"><s:Body><u:GetExternalIPAddressResponse xmlns:u="urn:schemas-upnp-org:service:WANIPConnection:2"><NewExternalIPAddress></NewExternalIPAddress></u:GetExternalIPAddressResponse></s:Body></s:Envelope>';
    expect(parseSoapResponse(200, body, 'GetExternalIPAddress', 'u')).toEqual({ NewExternalIPAddress: '' });
    expect(parseSoapResponse(200, body.replace('<NewExternalIPAddress></NewExternalIPAddress>', '<NewExternalIPAddress/>'), 'GetExternalIPAddress', 'u')).toEqual({ NewExternalIPAddress: '' });
  });
  it('turns an s:Fault into a UpnpError with code and name', () => {
    const fault = '<s:Envelope><s:Body><s:Fault><faultcode>s:Client</faultcode><faultstring>UPnPError</faultstring><detail><UPnPError xmlns="urn:schemas-upnp-org:control-1-0"><errorCode>718</errorCode><errorDescription>ConflictInMappingEntry</errorDescription></UPnPError></detail></s:Fault></s:Body></s:Envelope>';
    let e: unknown;
    try {
      parseSoapResponse(500, fault, 'AddPortMapping', 'http://gw/ctl');
    } catch (x) {
      e = x;
    }
    expect(e).toBeInstanceOf(UpnpError);
    expect((e as UpnpError).code).toBe(718);
    expect((e as UpnpError).message).toBe('AddPortMapping at http://gw/ctl: UPnP error 718 ConflictInMappingEntry');
  });
  it('an HTML page or a wrong action is not a SOAP answer', () => {
    expect(() => parseSoapResponse(200, '<html>Login</html>', 'GetStatusInfo', 'http://gw/ctl')).toThrow(/GetStatusInfo at http:\/\/gw\/ctl: not a SOAP answer \(HTTP 200: "<html>Login<\/html>"\)/);
    expect(() => parseSoapResponse(200, '<u:GetStatusInfoResponse></u:GetStatusInfoResponse>', 'GetExternalIPAddress', 'x')).toThrow(/not a SOAP answer/);
  });
});

describe('NAT-PMP codec', () => {
  it('encodes a mapping request', () => {
    expect(Array.from(encodeMappingRequest('tcp', 8443, 8443, 3600))).toEqual([0, 2, 0, 0, 0x20, 0xfb, 0x20, 0xfb, 0, 0, 0x0e, 0x10]);
    expect(encodeMappingRequest('udp', 1, 0, 0)[1]).toBe(1);
  });
  it('decodes external-address and mapping answers', () => {
    expect(decodeNatPmpResponse(new Uint8Array([0, 128, 0, 3, 0, 0, 1, 0, 0, 0, 0, 0]))).toEqual({ op: 128, resultCode: 3, epoch: 256, externalAddress: '0.0.0.0' });
    expect(decodeNatPmpResponse(new Uint8Array([0, 130, 0, 0, 0, 0, 0, 9, 0x20, 0xfb, 0x20, 0xfc, 0, 0, 0, 60]))).toEqual({ op: 130, resultCode: 0, epoch: 9, internalPort: 8443, externalPort: 8444, lifetime: 60 });
  });
  it.each([
    [[0, 128], /too short/],
    [[2, 128, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0], /version 2, expected 0 \(a PCP-only gateway\?\)/],
    [[0, 128, 0, 0, 0, 0, 0, 0, 5], /external-address answer of 9 bytes/],
    [[0, 7, 0, 0, 0, 0, 0, 0], /unexpected opcode 7/],
  ])('junk %j → error', (bytes, re) => {
    expect(() => decodeNatPmpResponse(new Uint8Array(bytes))).toThrow(re);
  });
});
