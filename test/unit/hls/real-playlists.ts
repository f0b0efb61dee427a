// Media playlists as ffmpeg wrote them (ffmpeg 5.1, Debian 12), for tests that
// start from the real thing: the hls muxer as OBS's "Custom Output (FFmpeg)"
// runs it (MPEG-TS and fMP4), the dash muxer's LL renditions, the demo
// fixture, and a restart with discontinuities.

/** hls muxer, MPEG-TS, OBS "Output to File" names, program_date_time + independent_segments. */
export const OBS_TS = `#EXTM3U
#EXT-X-VERSION:6
#EXT-X-TARGETDURATION:1
#EXT-X-MEDIA-SEQUENCE:1
#EXT-X-INDEPENDENT-SEGMENTS
#EXTINF:1.000000,
#EXT-X-PROGRAM-DATE-TIME:2026-12-01T10:46:59.836+0000
2026-11-21 18-04-151.ts
#EXTINF:1.000000,
#EXT-X-PROGRAM-DATE-TIME:2026-12-01T10:47:00.836+0000
2026-11-21 18-04-152.ts
#EXTINF:1.000000,
#EXT-X-PROGRAM-DATE-TIME:2026-12-01T10:47:01.836+0000
2026-11-21 18-04-153.ts
#EXTINF:1.000000,
#EXT-X-PROGRAM-DATE-TIME:2026-12-01T10:47:02.836+0000
2026-11-21 18-04-154.ts
`;

/** hls muxer, fMP4 with an init section, hls_list_size=0, ended. */
export const FMP4 = `#EXTM3U
#EXT-X-VERSION:7
#EXT-X-TARGETDURATION:1
#EXT-X-MEDIA-SEQUENCE:0
#EXT-X-MAP:URI="stream_init.mp4"
#EXTINF:1.000000,
stream0.m4s
#EXTINF:1.000000,
stream1.m4s
#EXTINF:1.000000,
stream2.m4s
#EXTINF:1.000000,
stream3.m4s
#EXT-X-ENDLIST
`;

/** dash muxer (streaming, hls_playlist): the audio rendition, with a short last segment. */
export const DASH_AUDIO = `#EXTM3U
#EXT-X-VERSION:6
#EXT-X-TARGETDURATION:1
#EXT-X-MEDIA-SEQUENCE:2
#EXT-X-MAP:URI="init-stream1.m4s"
#EXTINF:0.998458,
#EXT-X-PROGRAM-DATE-TIME:2026-12-01T10:46:59.998+0000
chunk-stream1-00002.m4s
#EXTINF:0.998458,
#EXT-X-PROGRAM-DATE-TIME:2026-12-01T10:47:00.997+0000
chunk-stream1-00003.m4s
#EXTINF:0.998458,
#EXT-X-PROGRAM-DATE-TIME:2026-12-01T10:47:01.995+0000
chunk-stream1-00004.m4s
#EXTINF:0.006168,
#EXT-X-PROGRAM-DATE-TIME:2026-12-01T10:47:02.994+0000
chunk-stream1-00005.m4s
`;

/** The demo fixture (npm run fixtures), a VOD list. */
export const DEMO = `#EXTM3U
#EXT-X-VERSION:3
#EXT-X-TARGETDURATION:2
#EXT-X-MEDIA-SEQUENCE:0
#EXT-X-PLAYLIST-TYPE:VOD
#EXTINF:2.000000,
demo0.ts
#EXTINF:2.000000,
demo1.ts
#EXTINF:2.000000,
demo2.ts
#EXT-X-ENDLIST
`;

/** A sliding window across restarts (append_list after a crash), CRLF as a Windows share holds it. */
export const RESTARTED = [
  '#EXTM3U',
  '#EXT-X-VERSION:3',
  '#EXT-X-TARGETDURATION:2',
  '#EXT-X-MEDIA-SEQUENCE:40',
  '#EXT-X-DISCONTINUITY-SEQUENCE:3',
  '#EXTINF:2.000000,',
  'stream40.ts',
  '#EXT-X-DISCONTINUITY',
  '#EXTINF:2.000000,',
  'stream0.ts',
  '#EXTINF:1.966667,',
  'stream1.ts',
  '',
].join('\r\n');

export const REAL_PLAYLISTS = { OBS_TS, FMP4, DASH_AUDIO, DEMO, RESTARTED };
