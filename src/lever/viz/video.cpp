#include "lever/viz/video.h"

#include <algorithm>
#include <cctype>
#include <cstring>
#include <string>
#include <system_error>

extern "C" {
#include <libavcodec/avcodec.h>
#include <libavformat/avformat.h>
#include <libavutil/opt.h>
#include <libswscale/swscale.h>
}

#include "lever/core/atomic_file.h"
#include "lever/core/errors.h"
#include "lever/viz/gif_palette.h"

namespace lever {
namespace fs = std::filesystem;
namespace {

std::string av_error(int code) {
  char text[AV_ERROR_MAX_STRING_SIZE] = {0};
  av_strerror(code, text, sizeof(text));
  return text;
}

std::string lowercase_extension(const fs::path& path) {
  std::string ext = path.extension().string();
  std::transform(ext.begin(), ext.end(), ext.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return ext;
}

// x264 and the muxers report progress on stderr by default; a training run should only show
// FFmpeg's errors.
void quiet_ffmpeg_logs() {
  static const bool quieted = [] {
    av_log_set_level(AV_LOG_ERROR);
    return true;
  }();
  (void)quieted;
}

}  // namespace

struct VideoWriter::Encoder {
  fs::path target;
  fs::path temp;
  int width = 0, height = 0;
  bool gif = false;
  AVFormatContext* format = nullptr;
  AVCodecContext* codec = nullptr;
  AVStream* stream = nullptr;
  AVFrame* frame = nullptr;
  AVPacket* packet = nullptr;
  SwsContext* to_yuv = nullptr;
  GifPalette palette;
  bool committed = false;

  ~Encoder() {
    sws_freeContext(to_yuv);
    av_packet_free(&packet);
    av_frame_free(&frame);
    avcodec_free_context(&codec);
    if (format != nullptr) {
      if (format->pb != nullptr) avio_closep(&format->pb);
      avformat_free_context(format);
    }
    if (!committed && !temp.empty()) {
      std::error_code ignored;
      fs::remove(temp, ignored);
    }
  }

  [[noreturn]] void fail(const std::string& what, int code) const {
    throw RuntimeFailure("video '" + target.string() + "': " + what + ": " + av_error(code));
  }

  // Hands every packet the encoder has ready to the muxer.
  void drain() {
    while (true) {
      const int got = avcodec_receive_packet(codec, packet);
      if (got == AVERROR(EAGAIN) || got == AVERROR_EOF) return;
      if (got < 0) fail("encoding failed", got);
      if (packet->duration == 0) packet->duration = 1;  // one frame, in codec time base
      av_packet_rescale_ts(packet, codec->time_base, stream->time_base);
      packet->stream_index = stream->index;
      const int written = av_interleaved_write_frame(format, packet);
      if (written < 0) fail("writing failed", written);
    }
  }
};

VideoWriter::VideoWriter(const fs::path& path, int width, int height, int fps) {
  const std::string ext = lowercase_extension(path);
  if (ext != ".mp4" && ext != ".gif") {
    throw UsageError("cannot write video '" + path.string() + "': unsupported extension '" + ext +
                     "'; supported: .mp4 (H.264), .gif");
  }
  if (width <= 0 || height <= 0 || fps <= 0) {
    throw UsageError("cannot write video '" + path.string() + "': size " + std::to_string(width) +
                     "x" + std::to_string(height) + " and rate " + std::to_string(fps) +
                     " fps must be positive");
  }
  const bool gif = ext == ".gif";
  if (!gif && (width % 2 != 0 || height % 2 != 0)) {
    throw UsageError("cannot write video '" + path.string() + "': H.264 (yuv420p) needs an even " +
                     "width and height, got " + std::to_string(width) + "x" +
                     std::to_string(height));
  }
  quiet_ffmpeg_logs();

  auto e = std::make_unique<Encoder>();
  e->target = path;
  e->width = width;
  e->height = height;
  e->gif = gif;

  const AVCodec* encoder = nullptr;
  if (gif) {
    encoder = avcodec_find_encoder(AV_CODEC_ID_GIF);
  } else {
    encoder = avcodec_find_encoder_by_name("libx264");
    if (encoder == nullptr) encoder = avcodec_find_encoder(AV_CODEC_ID_MPEG4);
  }
  if (encoder == nullptr)
    e->fail("this FFmpeg build has no suitable encoder", AVERROR_ENCODER_NOT_FOUND);

  e->temp = temp_path_for(path);
  int status =
      avformat_alloc_output_context2(&e->format, nullptr, gif ? "gif" : "mp4", e->temp.c_str());
  if (status < 0) e->fail("cannot create the container", status);
  // Bit-exact muxing leaves out the library version and creation time, which would make two
  // files of the same frames differ.
  e->format->flags |= AVFMT_FLAG_BITEXACT;

  e->stream = avformat_new_stream(e->format, nullptr);
  e->codec = avcodec_alloc_context3(encoder);
  e->frame = av_frame_alloc();
  e->packet = av_packet_alloc();
  if (e->stream == nullptr || e->codec == nullptr || e->frame == nullptr || e->packet == nullptr) {
    e->fail("out of memory", AVERROR(ENOMEM));
  }

  AVCodecContext* c = e->codec;
  c->width = width;
  c->height = height;
  c->time_base = AVRational{1, fps};
  c->framerate = AVRational{fps, 1};
  c->pix_fmt = gif ? AV_PIX_FMT_PAL8 : AV_PIX_FMT_YUV420P;
  c->thread_count = 1;  // threaded encoders may split work differently from run to run
  c->flags |= AV_CODEC_FLAG_BITEXACT;
  if (e->format->oformat->flags & AVFMT_GLOBALHEADER) c->flags |= AV_CODEC_FLAG_GLOBAL_HEADER;
  if (!gif) {
    // swscale's default RGB to YUV conversion is BT.601 limited range; say so in the stream.
    c->colorspace = AVCOL_SPC_SMPTE170M;
    c->color_range = AVCOL_RANGE_MPEG;
    if (std::strcmp(encoder->name, "libx264") == 0) {
      av_opt_set(c->priv_data, "crf", "20", 0);
    } else {
      c->flags |= AV_CODEC_FLAG_QSCALE;
      c->global_quality = FF_QP2LAMBDA * 3;
    }
  }
  status = avcodec_open2(c, encoder, nullptr);
  if (status < 0) e->fail(std::string("cannot open the ") + encoder->name + " encoder", status);
  status = avcodec_parameters_from_context(e->stream->codecpar, c);
  if (status < 0) e->fail("cannot set the stream parameters", status);
  e->stream->time_base = c->time_base;

  status = avio_open(&e->format->pb, e->temp.c_str(), AVIO_FLAG_WRITE);
  if (status < 0) e->fail("cannot create " + e->temp.string(), status);
  status = avformat_write_header(e->format, nullptr);
  if (status < 0) e->fail("cannot write the container header", status);

  e->frame->format = c->pix_fmt;
  e->frame->width = width;
  e->frame->height = height;
  status = av_frame_get_buffer(e->frame, 0);
  if (status < 0) e->fail("cannot allocate a frame", status);
  if (!gif) {
    e->to_yuv =
        sws_getContext(width, height, AV_PIX_FMT_RGB24, width, height, AV_PIX_FMT_YUV420P,
                       SWS_BICUBIC | SWS_ACCURATE_RND | SWS_BITEXACT, nullptr, nullptr, nullptr);
    if (e->to_yuv == nullptr) e->fail("cannot create the RGB to YUV converter", AVERROR(EINVAL));
  }
  encoder_ = std::move(e);
}

VideoWriter::~VideoWriter() {
  try {
    close();
  } catch (const std::exception&) {
    // Destructors must not throw; close() already removed the unfinished file.
  }
}

void VideoWriter::write_frame(const Image& image) {
  if (!encoder_) throw UsageError("write_frame called on a closed VideoWriter");
  Encoder& e = *encoder_;
  if (image.width != e.width || image.height != e.height ||
      image.pixels.size() != static_cast<size_t>(image.width) * image.height * 3) {
    throw UsageError("video '" + e.target.string() + "' is " + std::to_string(e.width) + "x" +
                     std::to_string(e.height) + ", got a " + std::to_string(image.width) + "x" +
                     std::to_string(image.height) + " frame");
  }
  // The encoder may still hold the previous frame's buffer; this gives a fresh one if so.
  int status = av_frame_make_writable(e.frame);
  if (status < 0) e.fail("cannot get a writable frame", status);
  if (e.gif) {
    const auto& palette = e.palette.map_frame(image, e.frame->data[0], e.frame->linesize[0]);
    std::memcpy(e.frame->data[1], palette.data(), sizeof(palette));
  } else {
    const uint8_t* source[1] = {image.pixels.data()};
    const int source_stride[1] = {image.width * 3};
    sws_scale(e.to_yuv, source, source_stride, 0, image.height, e.frame->data, e.frame->linesize);
  }
  e.frame->pts = frames_written_;
  status = avcodec_send_frame(e.codec, e.frame);
  if (status < 0) e.fail("encoding failed", status);
  e.drain();
  ++frames_written_;
}

void VideoWriter::close() {
  if (!encoder_) return;
  // Owned here so any failure below still frees FFmpeg's state and removes the temp file.
  std::unique_ptr<Encoder> e = std::move(encoder_);
  int status = avcodec_send_frame(e->codec, nullptr);
  if (status < 0) e->fail("flushing the encoder failed", status);
  e->drain();
  status = av_write_trailer(e->format);
  if (status < 0) e->fail("cannot finish the container", status);
  status = avio_closep(&e->format->pb);
  if (status < 0) e->fail("cannot close " + e->temp.string(), status);
  commit_temp_file(e->temp, e->target);
  e->committed = true;
}

int VideoWriter::frames_written() const { return frames_written_; }

}  // namespace lever
