import { capacityFromOptions, parseInfoParameter, parseOptionsBody } from './device-info-parser';

describe('ADMS device info', () => {
  it('reads the SPEC §9 INFO example: firmware, users, fingerprints, attendance records, IP, faces', () => {
    expect(parseInfoParameter('Ver 2.0.12-20150625,0,0,0,192.168.16.27,10,7,15,0,111')).toEqual({
      firmware: 'Ver 2.0.12-20150625',
      userCount: 0,
      fingerprintCount: 0,
      recordCount: 0,
      ipAddress: '192.168.16.27',
      faceCount: 0,
    });
    expect(parseInfoParameter('Ver 6.60,12,30,95123,10.0.0.5')).toMatchObject({ userCount: 12, fingerprintCount: 30, recordCount: 95123, faceCount: null });
    expect(parseInfoParameter('')).toMatchObject({ firmware: null, recordCount: null });
  });

  it('reads the SPEC §8 options body and the log capacity (small ~MaxAttLogCount is in 10,000s)', () => {
    const options = parseOptionsBody('FingerFunOn=1,FaceFunOn=1,~MaxAttLogCount=10,TransactionCount=81234');
    expect(options).toEqual({ FingerFunOn: '1', FaceFunOn: '1', '~MaxAttLogCount': '10', TransactionCount: '81234' });
    expect(capacityFromOptions(options)).toEqual({ recordsUsed: 81234, recordsMax: 100_000 });
    expect(capacityFromOptions({ MaxAttLogCount: '200000' })).toEqual({ recordsUsed: null, recordsMax: 200_000 });
  });
});
